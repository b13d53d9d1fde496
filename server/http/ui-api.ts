/**
 * `POST /api/ui/<event>`: the `/ui` requests over plain HTTP, for the CLI. One JSON body (the
 * request's payload; empty for the events without one), one JSON answer: the same `Result` the
 * Socket.IO ack carries. A CLI run is one request or two, so this spares it loading and
 * handshaking a Socket.IO client (≈ 50 ms of the ≈ 200 ms budget of `directord exec`).
 * Errors are values here too: HTTP 200 with `{ ok: false, … }`, except for authentication,
 * size and method errors, which also set the matching status for curl users.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../protocol/log.js';
import { fail, type Result } from '../../protocol/result.js';
import { LIMITS } from '../../protocol/version.js';
import type { UiCaller, UiRequests } from '../ui/ui.requests.js';
import { NO_PAYLOAD } from '../ui/ui.requests.js';

export const UI_API_PREFIX = '/api/ui/';

export type UiApiDeps = Readonly<{
  requests: UiRequests;
  /** Who the bearer token belongs to, or why it opens nothing here (server/auth/roles.ts). */
  authenticate: (token: string | null, req: IncomingMessage) => Result<UiCaller>;
  log: Logger;
  maxBodyBytes?: number;
}>;

function send(res: ServerResponse, status: number, result: Result<unknown>): void {
  const body = JSON.stringify(result);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Reads the body up to `limit` bytes; null when it is longer (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers the request when its path is under `/api/ui/`; returns false for any other path. */
export function createUiApi(deps: UiApiDeps): (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean {
  const limit = deps.maxBodyBytes ?? LIMITS.maxMessageBytes;
  return (req, res, pathname) => {
    if (!pathname.startsWith(UI_API_PREFIX)) return false;
    const event = decodeURIComponent(pathname.slice(UI_API_PREFIX.length));
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      send(res, 405, fail('invalid-payload', `${req.method ?? '?'} ${pathname}: use POST`));
      return true;
    }
    const authenticated = deps.authenticate(bearer(req), req);
    if (!authenticated.ok) {
      deps.log.warn('ui api refused: bad token', { address: req.socket.remoteAddress, event });
      send(res, 401, authenticated);
      return true;
    }
    const caller = authenticated.value;
    if (!deps.requests.has(event)) {
      send(
        res,
        404,
        fail('invalid-payload', `unknown request ${JSON.stringify(event)}; known: ${deps.requests.events().sort().join(', ')}`),
      );
      return true;
    }
    void readBody(req, limit).then(
      async (body) => {
        if (body === null) return send(res, 413, fail('too-large', `${event}: the request body is larger than ${limit} bytes`));
        let payload: unknown;
        const text = body.toString('utf8').trim();
        if (text !== '') {
          try {
            payload = JSON.parse(text);
          } catch (error) {
            return send(res, 400, fail('invalid-payload', `${event}: the request body is not JSON (${(error as Error).message})`));
          }
        } else if (!NO_PAYLOAD.has(event)) {
          return send(res, 400, fail('invalid-payload', `${event}: the request body is empty; it must be the request's JSON payload`));
        }
        const result = await deps.requests.handle(event, NO_PAYLOAD.has(event) ? undefined : payload, caller);
        // The CLI may have given up (Ctrl-C) during a long `jobs:await`: nothing to answer then.
        if (!res.destroyed) send(res, !result.ok && result.error.code === 'forbidden' ? 403 : 200, result);
      },
      (error: unknown) => deps.log.warn('ui api request failed', { event, error: String(error) }),
    );
    return true;
  };
}
