/**
 * The server as the CLI and the desktop shell load it: everything outside server/ imports from here (or
 * from ./public-bootstrap.ts), never a module inside, so server/ can move its internals freely. Enforced by
 * eslint.config.js and .dependency-cruiser.cjs.
 */
export { createServer, type DirectordServer, type ServerOptions } from './index.js';
export { importModule } from './components/import-module.js';
export { runServer, type RunningServer } from './main.js';
export { rotateSecret } from './auth/console-sessions.js';
export { wrappedKeyProvider, type KeyWrapper, type SecretsKeyProvider } from './secrets/key-provider.js';
