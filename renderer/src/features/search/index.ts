export { default as OutputSearch } from './OutputSearch.svelte';
export { outputJump, jumpTo } from './jump.svelte.js';
