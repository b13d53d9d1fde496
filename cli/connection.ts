/**
 * The CLI's connection to the server: the `/ui` requests over plain HTTP
 * (`POST ${url}/api/ui/<event>`, `Authorization: Bearer <cli.token>`, one keep-alive socket;
 * server/http/ui-api.ts). The CLI only asks and waits, it subscribes to nothing, so it needs no
 * Socket.IO client: loading and handshaking one was a quarter of `directord exec`'s wall time.
 * Requests resolve to the server's `Result`; a timeout or a dropped connection becomes a
 * `Result` error too, so commands handle every failure in one place. A server that is not
 * there, or that refuses the token, is a CliError with what to do (as at connect time before).
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Result } from '../protocol/result.js';
import { UI_REQUESTS_WITHOUT_PAYLOAD, type UiRequestArgs, type UiRequestValue, type UiToServerEvents } from '../protocol/ui-events.js';
import type { Endpoint } from './discovery.js';
import { staleServerMessage, startHint } from './discovery.js';
import { CliError } from './errors.js';

type Events = UiToServerEvents;
export type RequestEvent = keyof Events;
/** The arguments of a request event, without its ack (protocol/ui-events.ts). */
export type RequestArgs<E extends RequestEvent> = UiRequestArgs<E>;
/** What a request event's ack carries on success. */
export type RequestValue<E extends RequestEvent> = UiRequestValue<E>;

export type UiClient = Readonly<{
  request<E extends RequestEvent>(event: E, timeoutMs: number, ...args: RequestArgs<E>): Promise<Result<RequestValue<E>>>;
  close(): void;
}>;

/** Short requests (lists, purge, submit) wait this long for an answer. */
export const REQUEST_TIMEOUT_MS = 60_000;

function transportError(endpoint: Endpoint, error: NodeJS.ErrnoException): CliError {
  const { url, dataDir } = endpoint;
  if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.code === 'ENOTFOUND') {
    return new CliError(staleServerMessage(dataDir, { url, port: 0, pid: endpoint.pid }, `connection to ${url} refused`));
  }
  return new CliError(`Cannot reach the Directord server at ${url} (data dir ${dataDir}): ${error.message}`);
}

function unauthorized(endpoint: Endpoint, message: string): CliError {
  const { url, dataDir } = endpoint;
  if (process.env.DIRECTORD_TOKEN?.trim())
    return new CliError(
      `The Directord server at ${url} refused the API token of --token / $DIRECTORD_TOKEN (${message}): it is wrong, expired or revoked, or its user is disabled`,
    );
  return new CliError(
    `The Directord server at ${url} refused the token in ${dataDir}/cli.token (${message}); is ${dataDir} the data dir this server was started with? (or ${startHint(dataDir)})`,
  );
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseResult(text: string, status: number): Result<never> {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean') return value as Result<never>;
  } catch {
    // fall through: not a Result
  }
  return { ok: false, error: { code: 'internal', message: `the server answered HTTP ${status} without a result: ${text.slice(0, 200)}` } };
}

/** Sends nothing yet: the first request finds out whether the server is there (and says so). */
export async function connectUi(endpoint: Endpoint): Promise<UiClient> {
  const base = new URL(endpoint.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new CliError(`The server URL ${endpoint.url} in ${endpoint.dataDir}/server.json is neither http:// nor https://`);
  }
  const secure = base.protocol === 'https:';
  if (secure && !endpoint.ca) {
    throw new CliError(
      `The server at ${endpoint.url} speaks TLS but ${endpoint.dataDir}/tls.crt cannot be read; is ${endpoint.dataDir} the data dir this server was started with?`,
    );
  }
  // TLS: trust exactly the server's own self-signed certificate from the data dir (no CA, no
  // host name: the certificate itself is the pin). node:https (and tls) only load when needed:
  // the usual local server is plain HTTP on loopback.
  const https = secure ? await import('node:https') : null;
  const agent = https
    ? new https.Agent({ keepAlive: true, maxSockets: 4, ca: endpoint.ca, checkServerIdentity: () => undefined })
    : new Agent({ keepAlive: true, maxSockets: 4 });
  const request = https ? https.request : httpRequest;
  let closed = false;

  const client: UiClient = {
    request<E extends RequestEvent>(event: E, timeoutMs: number, ...args: RequestArgs<E>): Promise<Result<RequestValue<E>>> {
      return new Promise((resolve, reject) => {
        if (closed) return resolve({ ok: false, error: { code: 'internal', message: 'the connection to the server is closed' } });
        const body = UI_REQUESTS_WITHOUT_PAYLOAD.has(event) ? '' : JSON.stringify(args[0] ?? null);
        const req = request(
          {
            agent,
            host: base.hostname.replace(/^\[|\]$/g, ''),
            port: base.port,
            method: 'POST',
            path: `/api/ui/${encodeURIComponent(event)}`,
            headers: {
              Authorization: `Bearer ${endpoint.token}`,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
              'X-Directord-Client': 'cli',
            },
          },
          (res) => {
            void readAll(res).then(
              (text) => {
                clearTimeout(timer);
                const result = parseResult(text, res.statusCode ?? 0);
                if (res.statusCode === 401) return reject(unauthorized(endpoint, result.ok ? 'unauthorized' : result.error.code));
                resolve(result);
              },
              (error: Error) => {
                clearTimeout(timer);
                resolve({ ok: false, error: { code: 'internal', message: `connection to the server lost (${error.message})` } });
              },
            );
          },
        );
        const timer = setTimeout(() => {
          req.destroy();
          resolve({
            ok: false,
            error: { code: 'timeout', message: `the server did not answer ${event} within ${Math.round(timeoutMs / 1000)} s` },
          });
        }, timeoutMs);
        req.on('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          // Before any answer: the server is not there. After: the connection dropped mid-request.
          if (error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND') return reject(transportError(endpoint, error));
          resolve({ ok: false, error: { code: 'internal', message: `connection to the server lost (${error.message})` } });
        });
        req.end(body);
      });
    },
    close() {
      closed = true;
      agent.destroy();
    },
  };
  return client;
}

/** Unwraps a request result, turning an error into a CliError (exit 1) with the server's message. */
export function unwrap<T>(result: Result<T>, what: string): T {
  if (result.ok) return result.value;
  throw new CliError(`${what}: ${result.error.message}`);
}
