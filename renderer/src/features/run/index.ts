export { default as RunView } from './RunView.svelte';
export { default as HostPane } from './HostPane.svelte';
export { default as LogViewport } from './LogViewport.svelte';
export { RunModel, HOST_STATUSES, type HostStatus } from './run-model.js';
export { HostLog } from './host-log.js';
export type { LogViewportProps, HostPaneProps, SummaryStripProps } from './types.js';
