export { default as StatusBadge } from './StatusBadge.svelte';
export { default as ConnectionBanner } from './ConnectionBanner.svelte';
export { default as ConfirmDialog } from './ConfirmDialog.svelte';
export { default as ConfirmHost } from './ConfirmHost.svelte';
export type { StatusBadgeProps, ConfirmDialogProps } from './types.js';
export { default as ThemeToggle } from './ThemeToggle.svelte';
export { default as SkipLink } from './SkipLink.svelte';
export { applyTheme, storedTheme } from './theme.js';
