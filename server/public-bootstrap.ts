/**
 * The SSH bootstrap engine as `directord bootstrap` loads it: a second public entry beside ./public.ts so
 * the CLI can bootstrap hosts without loading SQLite, Socket.IO and the rest of the running server.
 */
export { loadCatalogs, catalogHosts } from './bootstrap/catalog.js';
export * as engine from './bootstrap/engine.js';
export { tokenIssuer } from './bootstrap/enrolment.js';
export { DEFAULT_PREFIX } from './bootstrap/install-agent.js';
export { BootstrapError } from './bootstrap/failures.js';
