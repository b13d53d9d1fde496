export { default as InventoryPanel } from './InventoryPanel.svelte';
export { default as PatternPreview } from './PatternPreview.svelte';
