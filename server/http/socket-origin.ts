/**
 * Origin rules inside Socket.IO, behind the listener's gate (browser-gate.ts), so each namespace
 * states its own rule and a mistake in one layer is not the whole defence:
 * - `/agent` is for agents, which are never browsers: a handshake carrying any `Origin` is refused;
 * - `/ui` refuses an `Origin` that is not this console.
 * Registered before the namespaces' own authentication, inside the failed-login limiter.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BrowserGate } from './browser-gate.js';

/** What these rules need of a namespace: a handshake middleware (typed namespaces of both maps fit). */
type HandshakeNamespace = {
  use(fn: (socket: { handshake: { headers: IncomingHttpHeaders } }, next: (error?: Error) => void) => void): unknown;
};

function refusal(message: string): Error {
  const error = new Error('forbidden-origin') as Error & { data?: unknown };
  error.data = { code: 'forbidden-origin', message };
  return error;
}

/** Not logged per attempt: the failed-login limiter around it logs (and stops) a flood. */
export function refuseBrowsers(ns: HandshakeNamespace): void {
  ns.use((socket, next) => {
    const origin = socket.handshake.headers.origin;
    if (origin === undefined) return next();
    next(refusal(`forbidden-origin: ${String(origin).slice(0, 200)} is a browser page; /agent is for agents, which send no Origin`));
  });
}

export function refuseForeignOrigins(ns: HandshakeNamespace, gate: BrowserGate): void {
  ns.use((socket, next) => {
    const origin = socket.handshake.headers.origin;
    if (origin === undefined || gate.isOwnOrigin(String(origin))) return next();
    next(refusal(`forbidden-origin: ${String(origin).slice(0, 200)} is not this console (allowed: ${gate.allowedOrigins().join(', ')})`));
  });
}
