export { default as AuditView } from './AuditView.svelte';
