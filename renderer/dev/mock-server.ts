/**
 * A stand-in for the Directord server while the console is built: serves renderer/dist under a
 * strict CSP and implements every `/ui` event of protocol/ui-events.ts over in-memory fake agents
 * and runs (dev/mock/*). Auth works like the real server: `/?token=T` sets an HttpOnly cookie
 * and redirects; the `/ui` handshake accepts `auth.token` or that cookie.
 *
 *   node --import tsx renderer/dev/mock-server.ts --port 7600 [--hosts 8] [--token dev] [--offline-every 7]
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import type { ServerToUiEvents, UiSocketData, UiToServerEvents, OutputAppended } from '../../protocol/ui-events.js';
import { makeFleet } from './mock/fleet.js';
import { mockManifests } from './mock/manifests.js';
import { MockEngine } from './mock/engine.js';
import { registerHandlers, type MockState } from './mock/handlers.js';

export type MockOptions = Readonly<{
  port?: number;
  hosts?: number;
  token?: string;
  staticDir?: string;
  host?: string;
  offlineEvery?: number;
}>;
export type MockServer = Readonly<{ url: string; port: number; token: string; close(): Promise<void> }>;

export const CSP = "default-src 'self'; connect-src 'self' ws: wss:";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.json': 'application/json',
};
const COOKIE = 'directord_token';

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE && v !== undefined) return decodeURIComponent(v);
  }
  return undefined;
}

export async function startMockServer(options: MockOptions = {}): Promise<MockServer> {
  const token = options.token ?? 'dev';
  const staticDir = resolve(options.staticDir ?? fileURLToPath(new URL('../dist', import.meta.url)));
  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const presented = url.searchParams.get('token');
      if (presented !== null) {
        url.searchParams.delete('token');
        const headers: Record<string, string> = { Location: url.pathname + url.search };
        if (presented === token) headers['Set-Cookie'] = `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
        res.writeHead(302, headers).end();
        return;
      }
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      let file = join(staticDir, rel === '/' ? 'index.html' : rel);
      if (!file.startsWith(staticDir) || !existsSync(file) || extname(file) === '') file = join(staticDir, 'index.html');
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': CSP,
          'Cache-Control': 'no-store',
        });
        res.end(body);
      } catch {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('renderer/dist not built: run vite build --config renderer/vite.config.ts\n');
      }
    })();
  });
  const io = new Server<UiToServerEvents, ServerToUiEvents, Record<string, never>, UiSocketData>(http, {
    transports: ['websocket'],
    maxHttpBufferSize: 8 * 1024 * 1024,
  });
  const ui = io.of('/ui');
  ui.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; client?: unknown };
    const presented = typeof auth.token === 'string' ? auth.token : cookieToken(socket.handshake.headers.cookie);
    if (presented !== token) {
      const error = new Error('unauthorized') as Error & { data?: unknown };
      error.data = { code: 'unauthorized', message: 'wrong or missing token' };
      return next(error);
    }
    socket.data = { client: typeof auth.client === 'string' ? auth.client : 'console', outputOf: null };
    next();
  });

  const manifests = mockManifests();
  const fleet = makeFleet(
    options.hosts ?? 6,
    manifests.map((m) => m.verb),
    Date.now(),
    options.offlineEvery ?? 7,
  );
  let pending: OutputAppended[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    flushTimer = null;
    const chunks = pending;
    pending = [];
    for (const socket of ui.sockets.values()) {
      const want = socket.data.outputOf;
      if (!want) continue;
      const mine = want === '*' ? chunks : chunks.filter((c) => c.runId === want);
      if (mine.length) socket.emit('output:appended', mine);
    }
  };
  const engine = new MockEngine(() => fleet, {
    targets: (updates) => ui.emit('targets:updated', updates),
    output: (chunk) => {
      pending.push(chunk);
      flushTimer ??= setTimeout(flush, 25);
    },
    run: (summary) => ui.emit('run:updated', summary),
  });
  const state: MockState = { fleet, manifests, engine, library: new Map(), startedAt: Date.now() };
  ui.on('connection', (socket) => registerHandlers(socket, state));
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const agent of fleet) {
      if (!agent.online) continue;
      Object.assign(agent, { lastHeartbeat: now, lastSeen: now, expiresAt: now + 30_000 });
      ui.emit('agent:updated', agent);
    }
  }, 5000);

  await new Promise<void>((ok) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', ok));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    close: async () => {
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
      engine.stop();
      await new Promise<void>((ok) => void io.close(() => ok()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const server = await startMockServer({
    port: Number(arg('port') ?? 7600),
    hosts: Number(arg('hosts') ?? 8),
    token: arg('token') ?? 'dev',
    offlineEvery: Number(arg('offline-every') ?? 7),
  });
  process.stdout.write(`mock Directord server: ${server.url}/?token=${server.token}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
