export { default as StatusBadge } from './StatusBadge.svelte';
export { default as ConnectionBanner } from './ConnectionBanner.svelte';
export type { StatusBadgeProps } from './types.js';
