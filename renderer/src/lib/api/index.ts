/** The console's API layer: the only code that talks to the server. */
export { client, type ConnectionStatus } from './client.svelte.js';
export { agents } from './agents.svelte.js';
export { runs, PAGE_SIZE } from './runs.svelte.js';
export { library } from './library.svelte.js';
export { blobs } from './blobs.js';
export { activeRun } from './active-run.svelte.js';
export { selection } from './selection.svelte.js';
export { history } from './history.js';
export { audit, whoami } from './audit.svelte.js';
