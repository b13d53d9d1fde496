/**
 * The browser is hostile (issue #12). Every port of 127.0.0.1 is the same *site* to a browser, so
 * the SameSite=Strict console cookie rides along with requests from any page served on this
 * machine; and a DNS name an attacker controls can be re-pointed at 127.0.0.1 (DNS rebinding).
 * This gate runs before anything else on the listener — pages, the CLI's HTTP API and both
 * Socket.IO transports (polling requests and websocket upgrades) — and refuses:
 * - a `Host` that is not one of this server's names (421 `misdirected-request`): its listen host,
 *   `localhost`, `127.0.0.1`, `[::1]`, the machine's hostname and addresses, `--allowed-host`;
 * - an `Origin` that is not this console (403 `forbidden-origin`): the scheme and port the server
 *   listens on with one of those names, or an `--allowed-origin` (a TLS-terminating proxy);
 *   without an `Origin`, a `Sec-Fetch-Site` of `cross-site` or `same-site` (an `<img>`, a
 *   `<script>`, a link from another page) is refused the same way.
 * Requests without `Origin` and `Sec-Fetch-Site` (the CLI, agents, curl) pass: no browser sent them.
 * Refusals count as failed logins, keyed by address and origin, so a hostile page is soon refused
 * without checks while the operator's console on the same address keeps working; each origin is
 * logged at most once a minute.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { Logger } from '../../protocol/log.js';
import type { FailureLimiter } from '../util/rate-limit.js';

export type BrowserGateOptions = Readonly<{
  scheme: 'http' | 'https';
  /** The listen address (`0.0.0.0`/`::` listen on every address: the machine's addresses are its names then). */
  listenHost: string;
  /** Extra origins, e.g. `https://console.example.com` of a TLS-terminating proxy. */
  allowedOrigins?: readonly string[];
  /** Extra names the server is reached by (a proxy's, a DNS name agents use). */
  allowedHosts?: readonly string[];
  limiter?: FailureLimiter | null;
  log: Logger;
  clock?: () => number;
  logWindowMs?: number;
}>;

export type GateRefusal = Readonly<{
  status: 421 | 403 | 429;
  code: 'misdirected-request' | 'forbidden-origin' | 'rate-limited';
  message: string;
}>;

export type BrowserGate = Readonly<{
  /** Called once the port is known (0 picks one at listen time). */
  listening(port: number): void;
  /** Null when the request may go on to its handler. */
  check(req: IncomingMessage): GateRefusal | null;
  /** Whether `origin` (an `Origin` header value) is this console; exported for the `/ui` handshake. */
  isOwnOrigin(origin: string): boolean;
  /** The origins a refusal lists. */
  allowedOrigins(): string[];
}>;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** `example.com:7500` → `example.com`, `[::1]:7500` → `::1`; lower case, no trailing dot. */
export function hostnameOf(hostHeader: string): string | null {
  const h = hostHeader.trim().toLowerCase();
  if (h === '') return null;
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    name = h.slice(1, end);
    if (h.length > end + 1 && !/^:\d{1,5}$/.test(h.slice(end + 1))) return null;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0 && (h.indexOf(':', colon + 1) >= 0 || !/^\d{1,5}$/.test(h.slice(colon + 1)))) return null;
    name = colon >= 0 ? h.slice(0, colon) : h;
  }
  return name.replace(/\.$/, '');
}

const bracket = (name: string) => (name.includes(':') ? `[${name}]` : name);

function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

export function createBrowserGate(options: BrowserGateOptions): BrowserGate {
  const clock = options.clock ?? Date.now;
  const windowMs = options.logWindowMs ?? 60_000;
  const listen = options.listenHost.toLowerCase().replace(/^\[|\]$/g, '');
  const fixed = new Set([
    'localhost',
    '127.0.0.1',
    '::1',
    osHostname().toLowerCase(),
    ...(options.allowedHosts ?? []).map((h) => hostnameOf(h) ?? h.toLowerCase()),
  ]);
  if (!WILDCARDS.has(listen)) fixed.add(listen);
  const extraOrigins = new Set((options.allowedOrigins ?? []).map((o) => normalizeOrigin(o) ?? o));
  // A proxy's origin names the proxy's host, which it forwards in `Host`.
  for (const o of extraOrigins) {
    const name = hostnameOf(URL.canParse(o) ? new URL(o).host : '');
    if (name) fixed.add(name);
  }
  let port = 0;
  // The machine's addresses change (DHCP, VPN): read again, at most every 10 s, only for a name not known already.
  let addresses: { at: number; set: Set<string> } = { at: -Infinity, set: new Set() };
  const machineAddresses = (): Set<string> => {
    const now = clock();
    if (now - addresses.at > 10_000) {
      const set = new Set<string>();
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) set.add(a.address.toLowerCase().replace(/%.*$/, ''));
      addresses = { at: now, set };
    }
    return addresses.set;
  };
  const isOwnName = (name: string) => fixed.has(name) || machineAddresses().has(name.replace(/^::ffff:/, ''));

  const listed = (): string[] => {
    const names = ['127.0.0.1', 'localhost', '::1', ...(WILDCARDS.has(listen) ? [] : [listen]), ...fixed];
    const own = [...new Set(names)].map((n) => `${options.scheme}://${bracket(n)}:${port}`);
    return [...own, ...extraOrigins];
  };

  const isOwnOrigin = (origin: string): boolean => {
    const normalized = normalizeOrigin(origin);
    if (normalized === null) return false;
    if (extraOrigins.has(normalized)) return true;
    const url = new URL(normalized);
    const effectivePort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return url.protocol === `${options.scheme}:` && effectivePort === port && isOwnName(url.hostname.replace(/^\[|\]$/g, '').toLowerCase());
  };

  const logged = new Map<string, { at: number; refused: number }>();
  const note = (key: string, message: string, fields: Record<string, unknown>) => {
    const now = clock();
    const entry = logged.get(key) ?? { at: -Infinity, refused: 0 };
    entry.refused += 1;
    if (now - entry.at >= windowMs) {
      options.log.warn(message, { ...fields, refusedSinceLastLog: entry.refused, loggedEveryS: windowMs / 1000 });
      entry.at = now;
      entry.refused = 0;
    }
    logged.set(key, entry);
    if (logged.size > 10_000) for (const [k, e] of logged) if (now - e.at >= windowMs) logged.delete(k);
  };

  /** Refusals are limited per (address, origin): a hostile page must not lock out the console beside it. */
  const limited = (req: IncomingMessage, key: string, refusal: GateRefusal): GateRefusal => {
    const answer = ((): GateRefusal => {
      const limiter = options.limiter;
      if (!limiter) return refusal;
      const bucket = `${req.socket.remoteAddress ?? 'unknown'} ${key}`;
      const refused = limiter.refusal(bucket, 'browser-gate');
      if (refused) return { status: 429, code: 'rate-limited', message: `rate-limited: ${refused.message}` };
      limiter.failed(bucket);
      return refusal;
    })();
    // Each refusal at debug level only (the warning is once a minute per origin); never the query, which may hold a token.
    options.log.debug('browser request refused', {
      status: answer.status,
      why: key.slice(0, 200),
      method: req.method,
      path: (req.url ?? '').split('?')[0]?.slice(0, 200),
    });
    return answer;
  };

  return {
    listening(p) {
      port = p;
    },
    isOwnOrigin,
    allowedOrigins: listed,
    check(req) {
      const hostHeader = req.headers.host;
      const name = typeof hostHeader === 'string' ? hostnameOf(hostHeader) : null;
      if (name === null || !isOwnName(name)) {
        const shown = typeof hostHeader === 'string' ? JSON.stringify(hostHeader.slice(0, 200)) : '(none)';
        note(`host ${name ?? ''}`, "request refused: Host is not one of this server's names (DNS rebinding?)", {
          host: shown,
          address: req.socket.remoteAddress,
        });
        return limited(req, `host ${name ?? ''}`, {
          status: 421,
          code: 'misdirected-request',
          message: `misdirected-request: Host ${shown} is not one of this server's names (${[...fixed].map(bracket).join(', ')} and the machine's addresses); if it is, start the server with --allowed-host ${name ?? 'NAME'}`,
        });
      }
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      let foreign: string | null = null;
      if (typeof origin === 'string') {
        if (!isOwnOrigin(origin)) foreign = origin.slice(0, 200);
      } else if (site === 'cross-site' || site === 'same-site') {
        foreign = `a ${site} page (no Origin header, Sec-Fetch-Site: ${site})`;
      }
      if (foreign === null) return null;
      note(`origin ${foreign}`, 'request refused: a browser page of another origin', {
        origin: foreign,
        address: req.socket.remoteAddress,
        path: (req.url ?? '').split('?')[0]?.slice(0, 100),
      });
      return limited(req, `origin ${foreign}`, {
        status: 403,
        code: 'forbidden-origin',
        message: `forbidden-origin: ${foreign} is not this console (allowed: ${listed().join(', ')}; add a proxy's with --allowed-origin URL)`,
      });
    },
  };
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const REASONS: Readonly<Record<GateRefusal['status'], string>> = { 421: 'Misdirected Request', 403: 'Forbidden', 429: 'Too Many Requests' };

/**
 * Puts the gate in front of every `request` and `upgrade` listener of `server` (call it after
 * Socket.IO attached its own): no handler, page or transport sees a refused request.
 */
export function gateListener(server: EventEmitter, gate: BrowserGate): void {
  const requests = server.listeners('request') as RequestListener[];
  const upgrades = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refused = gate.check(req);
    if (refused) {
      res.writeHead(refused.status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        Vary: 'Origin',
      });
      res.end(refused.message + '\n');
      return;
    }
    for (const listener of requests) listener.call(server, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = gate.check(req);
    if (refused) {
      const body = refused.message + '\n';
      socket.end(
        `HTTP/1.1 ${refused.status} ${REASONS[refused.status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    for (const listener of upgrades) listener.call(server, req, socket, head);
  });
}
