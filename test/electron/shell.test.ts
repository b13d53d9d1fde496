/**
 * The desktop shell without the Electron binary (it cannot be downloaded in CI): the esbuild
 * bundles, the preload bridge, the window policy and the IPC guards (packaging: test/packaging/).
 * `electron` is replaced by a stub: Module._load for the CommonJS preload bundle, a
 * `node:module` resolve hook for the TypeScript sources (electron/ipc.ts, electron/paths.ts).
 * Needs `node scripts/build.mjs` first (`npm test` runs it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DESKTOP_BRIDGE_KEY, DESKTOP_CHANNELS } from '../../protocol/desktop-bridge.js';
import { applyCsp, contentSecurityPolicy, isTrustedSender, lockNavigation } from '../../electron/security.js';
import { desktopLaunch } from '../../electron/launch.js';
import { createServer } from '../../server/index.js';
import { silentLogger } from '../../protocol/log.js';
import { io } from 'socket.io-client';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/electron/main.cjs');
const PRELOAD = join(ROOT, 'dist/electron/preload.cjs');
const ORIGIN = 'http://127.0.0.1:45678';
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };

// ---------------------------------------------------------------------------------------------
// The `electron` stub: one object per test, read by the stub module when it is first imported.

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;
type ElectronStub = {
  handlers: Map<string, Handler>;
  dialogCalls: string[];
  openPath: string | null;
  savePath: string | null;
  app: { isPackaged: boolean; getVersion(): string; getPath(name: string): string };
  ipcMain: { handle(channel: string, fn: Handler): void; removeHandler(channel: string): void };
  dialog: {
    showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }>;
    showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }>;
  };
};
const globalStub = globalThis as unknown as { __electronStub?: ElectronStub };

function electronStub(userData: string): ElectronStub {
  const stub: ElectronStub = {
    handlers: new Map(),
    dialogCalls: [],
    openPath: null,
    savePath: null,
    app: { isPackaged: true, getVersion: () => '9.8.7', getPath: (name) => join(userData, name) },
    ipcMain: {
      handle: (channel, fn) => {
        if (stub.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        stub.handlers.set(channel, fn);
      },
      removeHandler: (channel) => void stub.handlers.delete(channel),
    },
    dialog: {
      showOpenDialog: async (...args) => {
        stub.dialogCalls.push(`open ${JSON.stringify(args.at(-1))}`);
        return stub.openPath ? { canceled: false, filePaths: [stub.openPath] } : { canceled: true, filePaths: [] };
      },
      showSaveDialog: async (...args) => {
        stub.dialogCalls.push(`save ${JSON.stringify(args.at(-1))}`);
        return stub.savePath ? { canceled: false, filePath: stub.savePath } : { canceled: true };
      },
    },
  };
  return stub;
}

// Every named export the shell's sources import from 'electron'; each reads the current stub.
const STUB_MODULE = `const s = () => globalThis.__electronStub;
const lazy = (name) => new Proxy({}, { get: (_t, key) => s()[name][key] });
export const app = lazy('app');
export const ipcMain = lazy('ipcMain');
export const dialog = lazy('dialog');
export const BrowserWindow = class {};
export const session = {};
export const utilityProcess = {};
export default { app, ipcMain, dialog };`;
const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(STUB_MODULE)}), shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);

// ---------------------------------------------------------------------------------------------

describe('esbuild bundles of the shell', () => {
  test('dist/electron/main.cjs and preload.cjs exist (node scripts/build.mjs)', () => {
    for (const file of [MAIN, PRELOAD]) assert.ok(existsSync(file), `${relative(ROOT, file)} is missing: run node scripts/build.mjs`);
    assert.equal(pkg.main, 'dist/electron/main.cjs');
  });

  test('main loads its modules with plain require() calls, electron and better-sqlite3 among them', () => {
    // Which packages those are, and that the packaged app ships each: test/packaging/builder-config.test.ts.
    const text = readFileSync(MAIN, 'utf8');
    const found = new Set([...text.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((m) => m[2] as string));
    assert.ok(found.has('electron') && found.has('better-sqlite3'), [...found].join(', '));
    // A computed require() would load a package no bundle metafile names. (import(url) is how
    // server/components loads user components from the data dir, so it is not checked here.)
    assert.doesNotMatch(text, /(?<![.\w$])require\(\s*[^"'`\s)]/, 'no computed require()');
  });

  test('the sandboxed preload requires electron and nothing else', () => {
    const names = [...readFileSync(PRELOAD, 'utf8').matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    assert.deepEqual(names, ['electron']);
  });
});

describe('preload bridge (dist/electron/preload.cjs with a stub electron)', () => {
  const exposed: Array<{ key: string; api: Record<string, unknown> }> = [];
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const requested: string[] = [];

  before(() => {
    const Module = require('node:module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
    const original = Module._load;
    const stub = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => void exposed.push({ key, api }) },
      ipcRenderer: { invoke: async (channel: string, ...args: unknown[]) => (invoked.push({ channel, args }), `answer:${channel}`) },
    };
    Module._load = function (request, parent, isMain) {
      if ((parent as { filename?: string } | null)?.filename === PRELOAD) requested.push(request);
      if (request === 'electron') return stub;
      return original.call(this, request, parent, isMain);
    };
    try {
      delete require.cache[PRELOAD];
      require(PRELOAD);
    } finally {
      Module._load = original;
    }
  });

  test('exposes exactly directordDesktop, once', () => {
    assert.deepEqual(requested, ['electron']);
    assert.equal(exposed.length, 1);
    assert.equal(exposed[0]?.key, 'directordDesktop');
    assert.equal(exposed[0]?.key, DESKTOP_BRIDGE_KEY);
    assert.deepEqual(Object.keys(exposed[0]?.api ?? {}).sort(), ['appVersion', 'connection', 'openYamlFile', 'saveYamlFile']);
    for (const value of Object.values(exposed[0]?.api ?? {})) assert.equal(typeof value, 'function');
  });

  test('each method is one ipcRenderer.invoke on its desktop: channel', async () => {
    const api = exposed[0]?.api as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const expected: Record<string, { channel: string; args: unknown[] }> = {
      connection: { channel: DESKTOP_CHANNELS.connection, args: [] },
      openYamlFile: { channel: DESKTOP_CHANNELS.openYamlFile, args: [] },
      saveYamlFile: { channel: DESKTOP_CHANNELS.saveYamlFile, args: ['site.yaml', '- jobs: []\n'] },
      appVersion: { channel: DESKTOP_CHANNELS.appVersion, args: [] },
    };
    for (const [name, want] of Object.entries(expected)) {
      invoked.length = 0;
      const answer = await (api[name] as (...args: unknown[]) => Promise<unknown>)(...want.args);
      assert.equal(answer, `answer:${want.channel}`);
      assert.deepEqual(invoked, [want], name);
      assert.match(want.channel, /^desktop:/);
    }
  });
});

describe('embedded server launch (electron/launch.ts, with a real server)', { timeout: 60_000 }, () => {
  test('loopback, a random free port by default, and a fresh console secret per launch', () => {
    const one = desktopLaunch({});
    const two = desktopLaunch({});
    assert.deepEqual({ port: one.server.port, host: one.server.host }, { port: 0, host: '127.0.0.1' });
    assert.match(one.launchToken, /^[0-9a-f]{64}$/);
    assert.notEqual(one.launchToken, two.launchToken);
    assert.equal(one.server.launchToken, one.launchToken);
    assert.equal(desktopLaunch({ DIRECTORD_DESKTOP_PORT: '7612' }).server.port, 7612);
    assert.equal(desktopLaunch({ DIRECTORD_DESKTOP_PORT: 'x' }).server.port, 0);
    assert.equal(one.consoleUrl('http://127.0.0.1:5/'), `http://127.0.0.1:5/?token=${one.launchToken}`);
  });

  test('main.cjs loads the window with the launch secret, never ui.token', () => {
    const text = readFileSync(MAIN, 'utf8');
    assert.match(text, /DIRECTORD_DESKTOP_PORT/, 'electron/launch.ts is bundled into main');
    assert.doesNotMatch(text, /loadURL\([^)]*uiToken/);
    assert.doesNotMatch(text, /token:\s*server\.uiToken/);
  });

  test('the window URL signs in for this launch only; ui.token on disk is another secret', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'directord-desktop-'));
    const first = desktopLaunch({});
    let server = await createServer({ dataDir, log: silentLogger, ...first.server });
    try {
      assert.notEqual(server.port, 0);
      const signIn = await fetch(first.consoleUrl(server.url), { redirect: 'manual' });
      assert.equal(signIn.status, 302);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      assert.match(cookie, /^directord_token=s1\./);
      assert.ok(!cookie.includes(first.launchToken));
      assert.notEqual(readFileSync(join(dataDir, 'ui.token'), 'utf8').trim(), first.launchToken);
      const socket = io(`${server.url}/ui`, {
        transports: ['websocket'],
        auth: { token: first.launchToken, client: 'console' },
        reconnection: false,
        forceNew: true,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      socket.close();
      await server.close();
      const second = desktopLaunch({});
      server = await createServer({ dataDir, log: silentLogger, ...second.server });
      assert.equal(
        (await fetch(first.consoleUrl(server.url), { redirect: 'manual' })).status,
        401,
        "the last launch's secret opens nothing",
      );
      assert.equal((await fetch(second.consoleUrl(server.url), { redirect: 'manual' })).status, 302);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('window policy (electron/security.ts)', () => {
  test('the CSP allows the server origin (and its ws:) and nothing else', () => {
    const csp = contentSecurityPolicy(ORIGIN);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name as string, sources]),
    );
    const allowed: Record<string, string[]> = {
      'default-src': ["'self'", ORIGIN],
      'script-src': ["'self'", ORIGIN],
      'style-src': ["'self'", "'unsafe-inline'", ORIGIN],
      'img-src': ["'self'", 'data:', ORIGIN],
      'connect-src': ["'self'", ORIGIN, 'ws://127.0.0.1:45678'],
      'object-src': ["'none'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
    };
    assert.deepEqual([...directives.keys()].sort(), Object.keys(allowed).sort());
    for (const [name, sources] of directives) assert.deepEqual(sources, allowed[name], name);
    assert.doesNotMatch(csp, /\*|unsafe-eval|https?:\/\/(?!127\.0\.0\.1:45678)/);
    assert.match(
      contentSecurityPolicy('https://console.example:8443'),
      /connect-src 'self' https:\/\/console\.example:8443 wss:\/\/console\.example:8443;/,
    );
  });

  test('isTrustedSender accepts the server origin only', () => {
    for (const url of [`${ORIGIN}/`, `${ORIGIN}/#/run/r1`, `${ORIGIN}/?x=1`]) assert.equal(isTrustedSender(url, ORIGIN), true, url);
    for (const url of [
      undefined,
      '',
      'not a url',
      'http://127.0.0.1:45679/',
      'https://127.0.0.1:45678/',
      'http://localhost:45678/',
      'http://127.0.0.1:45678.evil.example/',
      'file:///etc/passwd',
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
    ]) {
      assert.equal(isTrustedSender(url, ORIGIN), false, String(url));
    }
  });

  test('applyCsp sets the header on every response and refuses permissions', () => {
    let onHeaders:
      | ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void)
      | undefined;
    let onPermission: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
    const session = {
      webRequest: { onHeadersReceived: (fn: typeof onHeaders) => (onHeaders = fn) },
      setPermissionRequestHandler: (fn: typeof onPermission) => (onPermission = fn),
    };
    applyCsp(session as unknown as Parameters<typeof applyCsp>[0], ORIGIN);
    let headers: Record<string, string[]> = {};
    onHeaders?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    assert.deepEqual(headers, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [contentSecurityPolicy(ORIGIN)] });
    let granted: boolean | undefined;
    onPermission?.({}, 'notifications', (g) => (granted = g));
    assert.equal(granted, false);
  });

  test('lockNavigation denies new windows and navigation to other origins', () => {
    let openHandler: (() => { action: string }) | undefined;
    let willNavigate: ((event: { preventDefault(): void }, url: string) => void) | undefined;
    const win = {
      webContents: {
        setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn),
        on: (name: string, fn: typeof willNavigate) => {
          if (name === 'will-navigate') willNavigate = fn;
        },
      },
    };
    lockNavigation(win as unknown as Parameters<typeof lockNavigation>[0], ORIGIN);
    assert.deepEqual(openHandler?.(), { action: 'deny' });
    const prevented = (url: string) => {
      let p = false;
      willNavigate?.({ preventDefault: () => (p = true) }, url);
      return p;
    };
    assert.equal(prevented(`${ORIGIN}/#/history`), false);
    assert.equal(prevented('https://evil.example/'), true);
  });
});

describe('desktop IPC (electron/ipc.ts with a stub electron)', () => {
  let dir: string;
  let stub: ElectronStub;
  let dispose: () => void;
  const connection = { url: `${ORIGIN}/`, token: 'tok-123' };
  const trusted = { senderFrame: { url: `${ORIGIN}/#/builder` } };
  const untrusted = [
    { senderFrame: { url: 'https://evil.example/' } },
    { senderFrame: { url: 'http://127.0.0.1:1/' } },
    { senderFrame: null },
    {},
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'directord-shell-test-'));
    stub = electronStub(dir);
    globalStub.__electronStub = stub;
    const { registerDesktopIpc } = await import('../../electron/ipc.js');
    dispose = registerDesktopIpc(() => null, connection);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (channel: string, event: unknown, ...args: unknown[]) => {
    const handler = stub.handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler(event, ...args);
  };

  test('one handler per desktop: channel', () => {
    assert.deepEqual([...stub.handlers.keys()].sort(), Object.values(DESKTOP_CHANNELS).sort());
    for (const channel of stub.handlers.keys()) assert.match(channel, /^desktop:/);
  });

  test('every handler refuses an untrusted sender before doing anything', async () => {
    stub.openPath = join(dir, 'never.yaml');
    stub.savePath = join(dir, 'never.yaml');
    for (const channel of Object.values(DESKTOP_CHANNELS)) {
      for (const event of untrusted) {
        await assert.rejects(call(channel, event, 'x.yaml', 'text'), /untrusted sender/, `${channel} ${JSON.stringify(event)}`);
      }
    }
    assert.deepEqual(stub.dialogCalls, []);
    assert.equal(existsSync(join(dir, 'never.yaml')), false);
  });

  test('the console itself gets the connection, the version and the file dialogs', async () => {
    assert.deepEqual(await call(DESKTOP_CHANNELS.connection, trusted), connection);
    assert.equal(await call(DESKTOP_CHANNELS.appVersion, trusted), '9.8.7');

    stub.openPath = join(dir, 'site.yaml');
    writeFileSync(stub.openPath, '- jobs:\n  - RUN: echo hi\n');
    assert.deepEqual(await call(DESKTOP_CHANNELS.openYamlFile, trusted), { name: 'site.yaml', text: '- jobs:\n  - RUN: echo hi\n' });
    stub.openPath = null;
    assert.equal(await call(DESKTOP_CHANNELS.openYamlFile, trusted), null);

    stub.savePath = join(dir, 'out', 'saved.yaml');
    mkdirSync(join(dir, 'out'));
    assert.deepEqual(await call(DESKTOP_CHANNELS.saveYamlFile, trusted, '../../etc/evil.yaml', '- jobs: []\n'), { path: stub.savePath });
    assert.equal(readFileSync(stub.savePath, 'utf8'), '- jobs: []\n');
    assert.match(stub.dialogCalls.at(-1) ?? '', /"defaultPath":"evil\.yaml"/, 'the suggested name is a base name only');
    await assert.rejects(call(DESKTOP_CHANNELS.saveYamlFile, trusted, 'x.yaml', 42), /saveYamlFile\(name: string, text: string\)/);
  });

  test('dispose removes every handler', () => {
    dispose();
    assert.equal(stub.handlers.size, 0);
  });
});
