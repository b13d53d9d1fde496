export { default as WaveStrip } from './WaveStrip.svelte';
export { default as PlanGrid } from './PlanGrid.svelte';
export { RolloutView } from './rollout.svelte.js';
export { actionsOf, haltText, wavesOf } from './waves.js';
