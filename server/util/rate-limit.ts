/**
 * Failed-authentication limiting per remote address (issue #5): a token bucket of failures. An
 * address that spent its bucket is refused without its credential being checked until tokens
 * come back, with a clear `rate-limited` error; the refusal is logged once per window per
 * address, not per attempt, so a flood cannot fill the log. Other addresses are not affected,
 * and good credentials never spend tokens.
 *
 * One limiter serves the `/agent` and `/ui` namespaces (through {@link limitNamespaceAuth}) and
 * plain HTTP (through {@link limitHttp}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../protocol/log.js';

export type FailureLimiterOptions = Readonly<{
  /** Failures an address may make in a burst. Default 20. */
  burst?: number;
  /** Failures per second an address earns back. Default 0.5 (one every 2 s). */
  refillPerSecond?: number;
  /** How often a refused address is logged again. Default 60 s. */
  logWindowMs?: number;
  clock?: () => number;
  log: Logger;
}>;

export type Refusal = Readonly<{ message: string; retryInS: number }>;

type Bucket = { tokens: number; at: number; refused: number; loggedAt: number };

export type FailureLimiter = Readonly<{
  /** Null when `address` may try; otherwise the refusal message (logged once per window). */
  refusal(address: string, where: string): Refusal | null;
  /** `address` presented a bad credential. */
  failed(address: string): void;
  /** Addresses currently tracked (tests, diagnostics). */
  size(): number;
}>;

/** Buckets are forgotten once full again; this also caps the map under a many-address flood. */
const MAX_TRACKED = 50_000;

export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const burst = options.burst ?? 20;
  const refill = options.refillPerSecond ?? 0.5;
  const windowMs = options.logWindowMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const buckets = new Map<string, Bucket>();

  const current = (address: string, now: number): Bucket | undefined => {
    const b = buckets.get(address);
    if (!b) return undefined;
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * refill);
    b.at = now;
    if (b.tokens >= burst && now - b.loggedAt >= windowMs) {
      buckets.delete(address);
      return undefined;
    }
    return b;
  };

  return {
    refusal(address, where) {
      const now = clock();
      const b = current(address, now);
      if (!b || b.tokens >= 1) return null;
      b.refused++;
      const waitS = Math.ceil((1 - b.tokens) / refill);
      if (now - b.loggedAt >= windowMs) {
        options.log.warn('connection attempts refused: too many failed attempts from this address', {
          address,
          where,
          refusedSinceLastLog: b.refused,
          retryInS: waitS,
          loggedEveryS: windowMs / 1000,
        });
        b.loggedAt = now;
        b.refused = 0;
      }
      return {
        message: `too many failed attempts from ${address}: refused without checking for about ${waitS} s; check the credential and retry later`,
        retryInS: waitS,
      };
    },
    failed(address) {
      const now = clock();
      let b = current(address, now);
      if (!b) {
        if (buckets.size >= MAX_TRACKED) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        b = { tokens: burst, at: now, refused: 0, loggedAt: -Infinity };
        buckets.set(address, b);
      }
      b.tokens = Math.max(0, b.tokens - 1);
    },
    size: () => buckets.size,
  };
}

type Next = (error?: Error) => void;
type Middleware<S> = (socket: S, next: Next) => void;
type HandshakeSocket = { handshake: { address: string } };

/** A connect error the client sees as `{ code: 'rate-limited', message }` in `connect_error.data`. */
function rateLimitedError(message: string): Error {
  const error = new Error('rate-limited') as Error & { data?: unknown };
  error.data = { code: 'rate-limited', message };
  return error;
}

/**
 * Wraps every middleware later registered with `ns.use`: a limited address is refused before
 * the middleware runs, and any error a middleware reports (a bad credential) counts as a
 * failure. Call it before the namespace's handlers register their authentication.
 */
export function limitNamespaceAuth<S extends HandshakeSocket>(
  ns: { use(fn: Middleware<S>): unknown },
  limiter: FailureLimiter,
  where: string,
): void {
  const use = ns.use.bind(ns);
  // Wrapping `use` keeps the authentication code unaware of the limiter (it lives in its own files).
  ns.use = (fn: Middleware<S>) =>
    use((socket, next) => {
      const address = socket.handshake.address;
      const refused = limiter.refusal(address, where);
      if (refused !== null) return next(rateLimitedError(refused.message));
      fn(socket, (error?: Error) => {
        if (error) limiter.failed(address);
        next(error);
      });
    });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** HTTP: a limited address gets 429 before the handler runs; every 401 it gets counts as a failure. */
export function limitHttp(handler: Handler, limiter: FailureLimiter): Handler {
  return (req, res) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const refused = limiter.refusal(address, 'http');
    if (refused !== null) {
      res.writeHead(429, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
        'Retry-After': String(refused.retryInS),
      });
      res.end(`rate-limited: ${refused.message}\n`);
      return;
    }
    res.once('finish', () => {
      if (res.statusCode === 401) limiter.failed(address);
    });
    handler(req, res);
  };
}
