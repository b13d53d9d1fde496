export { default as HistoryView } from './HistoryView.svelte';
export { toRunFilter, EMPTY_FORM, type HistoryForm } from './filter.js';
export { runTitle } from './rows.js';
