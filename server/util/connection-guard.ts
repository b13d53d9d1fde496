/**
 * Bounds the Socket.IO connections that have not joined a namespace yet. A client that opens a
 * connection and never presents credentials holds a socket (and a file descriptor) until Socket.IO's
 * `connectTimeout`; a flood of those could crowd agents and consoles out. So, per remote address
 * and in all, only so many may wait: beyond either bound a new handshake is refused at once
 * (engine.io's 403 with a message saying why; clients retry with their backoff), and the refusals
 * are logged once per window per address, not per attempt. Connections that joined a namespace
 * (authenticated) do not count, and failed logins are limited elsewhere (rate-limit.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Namespace, Server } from 'socket.io';
import type { Logger } from '../../protocol/log.js';

export type ConnectionLimits = Readonly<{
  /** Connections one address may have waiting to join a namespace. Default 1000 (agents behind one NAT reconnect together). */
  perAddress?: number;
  /** …and all addresses together. Default 5000. */
  total?: number;
  /** How often refusals from one address are logged again. Default 60 s. */
  logWindowMs?: number;
}>;

export type ConnectionGuard = Readonly<{
  /** engine.io's `allowRequest` (called for handshakes only). */
  allowRequest(req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void;
  /** Counts `io`'s connections until they join one of `namespaces` or close. */
  watch(io: Server, namespaces: readonly Namespace[]): void;
  /** Connections waiting now, in all. */
  waiting(): number;
}>;

type EngineSocket = { request: IncomingMessage; once(event: 'close', listener: () => void): unknown };

export function createConnectionGuard(options: ConnectionLimits & Readonly<{ log: Logger; clock?: () => number }>): ConnectionGuard {
  const perAddress = options.perAddress ?? 1000;
  const total = options.total ?? 5000;
  const logWindowMs = options.logWindowMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const waitingBy = new Map<string, number>();
  const release = new WeakMap<object, () => void>();
  const refusals = new Map<string, { count: number; loggedAt: number }>();
  let waiting = 0;

  const addressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

  function refuse(address: string, why: string): void {
    const now = clock();
    const r = refusals.get(address) ?? { count: 0, loggedAt: -Infinity };
    r.count += 1;
    if (now - r.loggedAt >= logWindowMs) {
      options.log.warn('connections refused: too many waiting to authenticate', { address, why, refused: r.count });
      r.count = 0;
      r.loggedAt = now;
    }
    refusals.set(address, r);
    // The map only remembers addresses refused in the last window.
    if (refusals.size > 10_000) for (const [a, x] of refusals) if (now - x.loggedAt >= logWindowMs) refusals.delete(a);
  }

  return {
    allowRequest(req, callback) {
      const address = addressOf(req);
      const mine = waitingBy.get(address) ?? 0;
      if (mine >= perAddress || waiting >= total) {
        const why = mine >= perAddress ? `${mine} from this address (limit ${perAddress})` : `${waiting} in all (limit ${total})`;
        refuse(address, why);
        callback(`too many connections waiting to authenticate (${why}); try again shortly`, false);
        return;
      }
      callback(null, true);
    },
    watch(io, namespaces) {
      io.engine.on('connection', (socket: EngineSocket) => {
        const address = addressOf(socket.request);
        waitingBy.set(address, (waitingBy.get(address) ?? 0) + 1);
        waiting += 1;
        let counted = true;
        const done = () => {
          if (!counted) return;
          counted = false;
          waiting -= 1;
          const left = (waitingBy.get(address) ?? 1) - 1;
          if (left > 0) waitingBy.set(address, left);
          else waitingBy.delete(address);
        };
        release.set(socket, done);
        socket.once('close', done);
      });
      for (const ns of namespaces) ns.on('connection', (socket) => release.get(socket.conn)?.());
    },
    waiting: () => waiting,
  };
}
