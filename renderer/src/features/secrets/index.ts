export { default as SecretsView } from './SecretsView.svelte';
