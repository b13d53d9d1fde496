export { default as StatusBadge } from './StatusBadge.svelte';
export { default as ConnectionBanner } from './ConnectionBanner.svelte';
export type { StatusBadgeProps } from './types.js';
export { default as ThemeToggle } from './ThemeToggle.svelte';
export { default as SkipLink } from './SkipLink.svelte';
export { applyTheme, storedTheme } from './theme.js';
