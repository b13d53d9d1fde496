export { default as LibraryPanel } from './LibraryPanel.svelte';
