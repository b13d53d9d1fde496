export { default as HostsView } from './HostsView.svelte';
export { default as HostDetail } from './HostDetail.svelte';
export { filterHosts } from './filter.js';
export type { HostDetailProps } from './types.js';
