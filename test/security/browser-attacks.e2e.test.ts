/**
 * The browser is hostile (issue #12), in Debian's Chromium. The real console is opened with its
 * token link, so the browser holds the session cookie; then, in tabs of the same browser, pages
 * served from another port of 127.0.0.1 (the same *site*: the SameSite=Strict cookie rides along)
 * and from `localhost` try every door: the `/ui` socket over websocket and polling (socket.io-client
 * served to the page), `fetch` with credentials to every console route, form POSTs, `<img>` and
 * `<script>` includes of the API, and a DNS-rebinding page whose `Host` is a foreign name. Each is
 * refused (the statuses are read from the browser's own network events), no command reaches an
 * agent, and the real console in the same browser keeps working. Then XSS probes: host facts, run
 * and job names, stdout/stderr with HTML, ANSI and OSC-8 escapes and `javascript:` URLs must show
 * as text.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startAgent, type RunningAgent } from '../../agent/index.js';
import { createLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { connectUi, FakeAgent, request, type UiClient } from '../../server/testing/harness.js';
import { CHROMIUM_ARGS } from '../e2e/browser.js';
import { ensureRendererBuilt, ROOT } from '../e2e/build-renderer.js';

const REBIND_NAME = 'rebind.directord.test';
const SOCKET_IO_CLIENT = join(ROOT, 'node_modules/socket.io-client/dist/socket.io.min.js');

/** The attacker's page: loads socket.io-client and exposes the attacks; results come back as values. */
const ATTACK_PAGE = String.raw`<!doctype html><meta charset="utf-8"><title>a page on another port</title>
<script src="/socket.io.min.js"></script>
<script>
window.trySocket = (target, transport, marker) => new Promise((resolve) => {
  const s = io(target + '/ui', { transports: [transport], withCredentials: true, reconnection: false, timeout: 8000, forceNew: true, auth: { client: 'console' } });
  const done = (outcome) => { s.close(); resolve(outcome); };
  s.on('connect', () => {
    // Had it joined, this is what it would do: run a command on every host.
    s.emit('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'touch ' + marker }] }] }, () => done('connected'));
    setTimeout(() => done('connected'), 3000);
  });
  s.on('connect_error', (e) => done('refused: ' + e.message + (e.description && e.description.message ? ' ' + e.description.message : '')));
});
window.tryFetch = async (url, init) => {
  try {
    const r = await fetch(url, Object.assign({ credentials: 'include' }, init));
    return 'read ' + r.status + ' ' + r.type;
  } catch (e) {
    return 'failed: ' + e.message;
  }
};
window.tryInclude = (tag, url) => new Promise((resolve) => {
  const el = document.createElement(tag);
  el.onload = () => resolve('loaded');
  el.onerror = () => resolve('error');
  el.src = url;
  document.body.appendChild(el);
  setTimeout(() => resolve('timeout'), 8000);
});
window.tryForm = (action, name, value, enctype) => new Promise((resolve) => {
  const frame = document.createElement('iframe');
  frame.name = 'f' + Math.random().toString(36).slice(2);
  document.body.appendChild(frame);
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = action;
  form.target = frame.name;
  form.enctype = enctype;
  const input = document.createElement('input');
  input.name = name;
  input.value = value;
  form.appendChild(input);
  document.body.appendChild(form);
  frame.onload = () => resolve('submitted');
  form.submit();
  setTimeout(() => resolve('timeout'), 8000);
});
</script><body></body>`;

/** Output, names and facts an attacker controls (an agent, an orchestration file, a command's output). */
const XSS = {
  os: `<img src=x onerror="window.__xss='os'">`,
  release: `javascript:window.__xss='release'`,
  hostname: `<script>window.__xss='hostname'</script>`,
  entry: `<img src=x onerror="window.__xss='entry'">`,
  job: `<svg onload="window.__xss='job'"></svg>`,
  source: `<b id="xss-source">site.yaml</b>`,
  stdout: `<script>window.__xss="stdout"</script>`,
  command: String.raw`printf '%s\n' '<script>window.__xss="stdout"</script>' '<img src=x onerror=window.__xss="img">' 'javascript:window.__xss="url"'; printf '\033[31mred-ansi\033[0m \033]8;;javascript:window.__xss=1\033\\osc-link\033]8;;\033\\\n'; echo '<iframe src="javascript:window.__xss=2"></iframe>' >&2`,
};

let server: DirectordServer;
let agent: RunningAgent;
let fakeHost: FakeAgent;
let cli: UiClient;
let browser: Browser;
let context: BrowserContext;
let consolePage: Page;
let attacker: Server;
let attackerPort = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'directord-attacks-'));
const marker = join(dataDir, 'attack-ran');
const serverLog: string[] = [];
const pageErrors: string[] = [];
/** Every response the browser got from the console's port: url → statuses. */
const seen: Array<{ url: string; status: number; from: string }> = [];

const consoleOrigin = () => `http://127.0.0.1:${server.port}`;
const runCount = async () => (await request(cli.emitWithAck('runs:list', {}))).length;

async function openAttackPage(origin: string): Promise<Page> {
  const page = await context.newPage();
  page.on('response', (r) => {
    if (new URL(r.url()).port === String(server.port)) seen.push({ url: r.url(), status: r.status(), from: origin });
  });
  await page.goto(`${origin}/attack.html`);
  await page.waitForFunction(() => typeof (globalThis as unknown as { io?: unknown }).io === 'function');
  return page;
}

/** Statuses the browser itself read for requests from `origin` to `path` on the console's port (ORB and CORS hide some). */
function statusesOf(origin: string, path: string): number[] {
  return seen.filter((s) => s.from === origin && new URL(s.url).pathname === path).map((s) => s.status);
}

type Refusal = { status: number; why: string; method: string; path: string };
/** The server's own record of each request its gate refused (debug log lines). */
function refusals(): Refusal[] {
  return serverLog.filter((l) => l.includes(' browser request refused {')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Refusal);
}

/** Runs `attack`, then checks the server's gate refused at least `least` requests to `path` (403/421/429) and the browser read no 2xx. */
async function refused(origin: string, path: string, least: number, attack: () => Promise<unknown>): Promise<void> {
  const before = refusals().length;
  const seenBefore = seen.length;
  await attack();
  const mine = refusals()
    .slice(before)
    .filter((r) => r.path === path);
  assert.ok(
    mine.length >= least,
    `${origin} ${path}: ${mine.length} refusals (wanted ${least}): ${JSON.stringify(refusals().slice(before))}`,
  );
  assert.ok(
    mine.every((r) => [403, 421, 429].includes(r.status)),
    JSON.stringify(mine),
  );
  const read = seen.slice(seenBefore).filter((x) => x.from === origin && new URL(x.url).pathname === path && x.status < 300);
  assert.deepEqual(read, [], `${origin} ${path}: the browser got an answer`);
}

before(async () => {
  await ensureRendererBuilt();
  server = await createServer({
    dataDir,
    port: 0,
    staticDir: join(ROOT, 'renderer/dist'),
    // The fake host says hello once and sends no heartbeats: keep it online for the whole file.
    heartbeatIntervalMs: 120_000,
    log: createLogger('server', (line) => void serverLog.push(line), 'debug'),
  });
  agent = await startAgent({
    serverUrl: server.url,
    key: server.agentKey,
    identity: 'node-1',
    cacheDir: join(dataDir, 'agents', 'node-1'),
    log: createLogger('agent', () => {}, 'error'),
  });
  await agent.whenConnected();
  fakeHost = new FakeAgent(server, 'xss-host');
  const hello = await fakeHost.hello({
    facts: {
      hostname: XSS.hostname,
      os: XSS.os,
      platform: 'linux',
      release: XSS.release,
      arch: 'x64',
      cores: 1,
      memoryBytes: 1,
      nodeVersion: 'v20',
      hostUptimeS: 1,
    },
  });
  assert.ok(hello.ok);
  cli = await connectUi(server, server.cliToken);

  const clientJs = readFileSync(SOCKET_IO_CLIENT);
  attacker = createHttpServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(clientJs);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(ATTACK_PAGE);
    }
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerPort = (attacker.address() as AddressInfo).port;

  // One browser, one cookie jar: the console and the attackers are tabs of the same profile.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${REBIND_NAME} 127.0.0.1`],
    timeout: 30_000,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(20_000);
  consolePage = await context.newPage();
  consolePage.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  await consolePage.goto(`${server.url}/?token=${server.uiToken}`);
  await consolePage.getByText('2 of 2 hosts online').waitFor();
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (attacker ? attacker.close(r) : r(null)));
  cli?.close();
  fakeHost?.close();
  await agent?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a hostile page in the same browser cannot drive the console', { timeout: 240_000 }, () => {
  test('precondition: the browser holds the session cookie for 127.0.0.1, and it is no token', async () => {
    const cookies = await context.cookies(consoleOrigin());
    const session = cookies.find((c) => c.name === 'directord_token');
    assert.ok(session, 'the console link set the cookie');
    assert.match(session.value, /^s1\./);
    assert.ok(!session.value.includes(server.uiToken));
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!consolePage.url().includes('token='), 'the token left the address bar');
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    test(`a page on http://${host}:OTHER_PORT: the /ui socket over websocket and polling is refused`, async () => {
      const origin = `http://${host}:${attackerPort}`;
      const page = await openAttackPage(origin);
      const runsBefore = await runCount();
      try {
        for (const transport of ['websocket', 'polling']) {
          await refused(origin, '/socket.io/', 1, async () => {
            const outcome = await page.evaluate(
              ([t, tr, m]) =>
                (globalThis as unknown as { trySocket: (a: string, b: string, c: string) => Promise<string> }).trySocket(t, tr, m),
              [consoleOrigin(), transport, marker] as const,
            );
            assert.match(outcome, /^refused: /, `${origin} ${transport}: ${outcome}`);
          });
        }
        const why = refusals()
          .filter((r) => r.path === '/socket.io/')
          .map((r) => r.why);
        assert.ok(why.includes(`origin ${origin}`), JSON.stringify(why));
        assert.equal(await runCount(), runsBefore, 'no run was submitted');
        assert.equal(existsSync(marker), false, 'no command ran');
      } finally {
        await page.close();
      }
    });

    test(`a page on http://${host}:OTHER_PORT: fetch with credentials, form POSTs, <img> and <script> includes are refused`, async () => {
      const origin = `http://${host}:${attackerPort}`;
      const page = await openAttackPage(origin);
      const runsBefore = await runCount();
      const asset =
        /src="\.(\/assets\/[^"]+\.js)"/.exec(readFileSync(join(ROOT, 'renderer/dist/index.html'), 'utf8'))?.[1] ?? '/assets/missing.js';
      const call = <T>(fn: string, ...args: unknown[]) =>
        page.evaluate(
          ([f, a]) => (globalThis as unknown as Record<string, (...x: unknown[]) => Promise<T>>)[f as string]!(...(a as unknown[])),
          [fn, args] as const,
        );
      try {
        const gets = [
          '/',
          '/index.html',
          asset,
          '/favicon.svg',
          '/healthz',
          '/runs/123',
          `/?token=${'0'.repeat(64)}`,
          '/socket.io/?EIO=4&transport=polling',
        ];
        for (const path of gets) {
          for (const mode of ['cors', 'no-cors']) {
            await refused(origin, new URL(path, 'http://x').pathname, 1, async () => {
              const outcome = await call<string>('tryFetch', consoleOrigin() + path, { mode });
              assert.doesNotMatch(outcome, /^read 2\d\d basic/, `${path} ${mode}`);
            });
          }
        }
        const submit = JSON.stringify({ kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: `touch ${marker}` }] }] });
        for (const path of ['/api/ui/runs:submit', '/api/ui/runs:list', '/']) {
          await refused(origin, path, 3, async () => {
            await call<string>('tryFetch', consoleOrigin() + path, {
              method: 'POST',
              mode: 'no-cors',
              body: submit,
              headers: { 'Content-Type': 'text/plain' },
            });
            await call<string>('tryForm', consoleOrigin() + path, submit.slice(0, -2), '"}]}]}', 'text/plain');
            await call<string>('tryForm', consoleOrigin() + path, 'payload', submit, 'application/x-www-form-urlencoded');
          });
        }
        const includes: Array<[string, string]> = [
          ['img', '/healthz'],
          ['img', '/favicon.svg'],
          ['script', asset],
          ['script', '/api/ui/server:info'],
          ['script', '/healthz'],
        ];
        for (const [tag, path] of includes) {
          await refused(origin, path, 1, async () => {
            assert.equal(await call<string>('tryInclude', tag, `${consoleOrigin()}${path}?${tag}`), 'error', `<${tag} src=${path}>`);
          });
        }
        assert.ok(
          statusesOf(origin, asset).every((status) => status >= 400),
          'the console bundle never came from the cache either',
        );
        assert.equal(await runCount(), runsBefore, 'no run was submitted');
        assert.equal(existsSync(marker), false, 'no command ran');
      } finally {
        await page.close();
      }
    });
  }

  test('DNS rebinding: a page whose Host is a foreign name (resolving to 127.0.0.1) gets 421 for pages, fetch and sockets', async () => {
    const page = await context.newPage();
    try {
      const origin = `http://${REBIND_NAME}:${server.port}`;
      const nav = await page.goto(`${origin}/`);
      assert.equal(nav?.status(), 421);
      assert.match(
        await page.innerText('body'),
        /misdirected-request: Host "rebind\.directord\.test:\d+" is not one of this server's names/,
      );
      // Same origin now, as far as the browser knows: it may read every answer.
      const answers = await page.evaluate(async () => {
        const out: string[] = [];
        for (const path of ['/healthz', '/socket.io/?EIO=4&transport=polling', `/?token=${'0'.repeat(64)}`])
          out.push(`${path} ${(await fetch(path)).status}`);
        out.push(
          await new Promise<string>((resolve) => {
            const host = (globalThis as unknown as { location: { host: string } }).location.host;
            const ws = new WebSocket(`ws://${host}/socket.io/?EIO=4&transport=websocket`);
            ws.onopen = () => resolve('websocket open');
            ws.onerror = () => resolve('websocket refused');
            setTimeout(() => resolve('websocket timeout'), 8000);
          }),
        );
        return out;
      });
      assert.deepEqual(answers, [
        '/healthz 421',
        '/socket.io/?EIO=4&transport=polling 421',
        `/?token=${'0'.repeat(64)} 421`,
        'websocket refused',
      ]);
    } finally {
      await page.close();
    }
  });

  test('every refusal is a clear error, logged at most once a minute per origin', () => {
    for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://localhost:${attackerPort}`]) {
      const lines = serverLog.filter((l) => l.includes('a browser page of another origin') && l.includes(`"origin":"${origin}"`));
      assert.equal(lines.length, 1, `${origin}: ${lines.length} log lines`);
    }
    assert.equal(serverLog.filter((l) => l.includes("Host is not one of this server's names") && l.includes(REBIND_NAME)).length, 1);
  });

  test('the real console in the same browser kept working all along', async () => {
    await consolePage.getByText('2 of 2 hosts online').waitFor();
    assert.equal(await consolePage.evaluate(async () => (await fetch('/', { credentials: 'include' })).status), 200);
    await consolePage.reload();
    await consolePage.getByText('2 of 2 hosts online').waitFor();
  });
});

describe('XSS probes: what hosts, orchestrations and commands send is shown as text', { timeout: 240_000 }, () => {
  const injected = () =>
    consolePage.evaluate(() => ({
      xss: (globalThis as unknown as { __xss?: unknown }).__xss ?? null,
      elements: (
        globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }
      ).document.querySelectorAll(
        '#app script, #app iframe, #app svg[onload], [onerror], [onload], img[src="x"], a[href^="javascript" i], #xss-source',
      ).length,
    }));

  test('host facts with HTML and javascript: in the Hosts view', async () => {
    await consolePage.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).click();
    const hosts = consolePage.getByRole('table', { name: 'Hosts' });
    await hosts.getByText(XSS.os, { exact: false }).first().waitFor();
    assert.deepEqual(await injected(), { xss: null, elements: 0 });
  });

  test('run, entry and job names and stdout/stderr with HTML, ANSI and OSC-8 escapes and javascript: URLs', async () => {
    const run = await request(
      cli.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        source: XSS.source,
        sourceText: '- jobs: []\n',
        targets: ['node-1'],
        entries: [{ name: XSS.entry, jobs: [{ verb: 'RUN', text: `--skip-cache ${XSS.command}`, name: XSS.job }] }],
      }),
    );
    await request(cli.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 30_000 }));
    await consolePage.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
    const rows = consolePage.getByRole('table', { name: 'Runs' }).getByRole('row');
    await rows.nth(1).waitFor();
    await rows.nth(1).click();
    const log = consolePage.getByRole('region', { name: 'Output: node-1' }).getByRole('log');
    await log.getByText(XSS.stdout, { exact: true }).waitFor();
    const text = await log.innerText();
    for (const shown of [
      '<img src=x onerror=window.__xss="img">',
      'javascript:window.__xss="url"',
      'red-ansi',
      'osc-link',
      '<iframe src="javascript:window.__xss=2"></iframe>',
    ]) {
      assert.ok(text.includes(shown), `${JSON.stringify(shown)} not shown as text in:\n${text}`);
    }
    assert.deepEqual(await injected(), { xss: null, elements: 0 });
    assert.deepEqual(pageErrors, []);
  });
});
