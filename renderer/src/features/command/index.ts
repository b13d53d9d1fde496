export { default as CommandView } from './CommandView.svelte';
export { resolveHostPattern, type PatternResult } from './pattern.js';
