/**
 * Table tests for the system components (CACHEFILE, WAIT, QUERY_WAIT, REBOOT, DNF, SERVICE,
 * FACTER, SECONTEXT, POD, CONTAINER_IMAGE, CONTAINER_CONFIG_DATA): job string → parseJob
 * (fields, or the exact error) → run() against the fake context with scripted exec results →
 * the exact ctx calls (command lines, writes, cache updates) and the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AbortSignalLike, Component, ComponentResult } from '../define.js';
import { parseJob } from '../parse.js';
import { createFakeContext, type FakeCall, type FakeContextOptions } from '../testing.js';
import { fnmatch, mergeConfig } from './CONTAINER_CONFIG_DATA.js';
import { parseCacheFile } from './CACHEFILE.js';
import { fcontextExists, relabelPath } from './SECONTEXT.js';
import { httpUrlProblem } from './WAIT.js';
import { shellQuote } from './host.js';
import {
  CACHEFILE,
  CONTAINER_CONFIG_DATA,
  CONTAINER_IMAGE,
  DNF,
  FACTER,
  POD,
  QUERY_WAIT,
  REBOOT,
  SECONTEXT,
  SERVICE,
  WAIT,
} from './index.js';

type Case = Readonly<{
  name: string;
  /** The job string given to parseJob. */
  job: string;
  /** Expected job fields (checked when given). */
  fields?: Record<string, unknown>;
  /** Expected parse error message: the case stops there. */
  error?: string;
  ctx?: FakeContextOptions;
  calls?: FakeCall[];
  result?: ComponentResult;
  /** Expected args cache after the run. */
  args?: Record<string, unknown>;
}>;

async function runTable(component: Component, cases: readonly Case[]): Promise<void> {
  for (const c of cases) {
    const label = `${component.verb} ${c.name}`;
    const parsed = parseJob(component, c.job);
    if (c.error !== undefined) {
      assert.equal(parsed.ok ? 'parsed' : parsed.error.message, c.error, label);
      continue;
    }
    assert.ok(parsed.ok, `${label}: ${parsed.ok ? '' : parsed.error.message}`);
    if (c.fields) assert.deepEqual(parsed.value.fields, c.fields, `${label}: fields`);
    // Fields travel as JSON to the agent.
    const fields = JSON.parse(JSON.stringify(parsed.value.fields)) as Record<string, unknown>;
    const ctx = createFakeContext(c.ctx);
    const result = await component.run(ctx, fields);
    if (c.calls) assert.deepEqual(ctx.calls, c.calls, `${label}: calls`);
    if (c.result) assert.deepEqual(result, c.result, `${label}: result`);
    if (c.args) assert.deepEqual(ctx.argsCache, c.args, `${label}: args cache`);
  }
}

const quiet = { stream: false };
const ok0 = { exitCode: 0 };
const fail1 = { exitCode: 1 };

test('CACHEFILE: YAML or JSON file → args cache (extend)', async () => {
  await runTable(CACHEFILE, [
    { name: 'needs a path', job: '', error: 'CACHEFILE: missing PATH' },
    {
      name: 'loads YAML with PyYAML booleans and merges with extend',
      job: '/etc/directord/vars.yaml',
      fields: { cachefile: '/etc/directord/vars.yaml' },
      ctx: { files: { '/etc/directord/vars.yaml': 'answer: 42\nlist:\n  - b\nenabled: yes\nshort: y\n' }, args: { list: ['a'] } },
      calls: [
        ['setArgs', { answer: 42, list: ['b'], enabled: true, short: 'y' }, { extend: true }],
        ['write', 'stdout', 'Cache file loaded\n'],
      ],
      result: { ok: true, info: '/etc/directord/vars.yaml' },
    },
    {
      name: 'loads JSON (path with a space)',
      job: '/tmp/my vars.json',
      ctx: { files: { '/tmp/my vars.json': '{"a": {"b": [1, 2]}, "c": null}' } },
      calls: [
        ['setArgs', { a: { b: [1, 2] }, c: null }, { extend: true }],
        ['write', 'stdout', 'Cache file loaded\n'],
      ],
      result: { ok: true, info: '/tmp/my vars.json' },
    },
    {
      name: 'an unreadable file fails naming the path',
      job: '/nope.yaml',
      ctx: { files: {} },
      calls: [['write', 'stderr', "CACHEFILE: cannot read /nope.yaml: ENOENT: no such file or directory, open '/nope.yaml'\n"]],
      result: { ok: false, info: "CACHEFILE: cannot read /nope.yaml: ENOENT: no such file or directory, open '/nope.yaml'" },
    },
    {
      name: 'invalid YAML fails with line and column',
      job: '/bad.yaml',
      ctx: { files: { '/bad.yaml': 'a: 1\nb: [1, 2\nc: 3\n' } },
      calls: [
        [
          'write',
          'stderr',
          'CACHEFILE: cannot parse /bad.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n',
        ],
      ],
      result: {
        ok: false,
        info: 'CACHEFILE: cannot parse /bad.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    },
    {
      name: 'invalid JSON is reported through the YAML reader, with line and column',
      job: '/bad.json',
      ctx: { files: { '/bad.json': '{"a": 1,\n "b" 2}\n' } },
      calls: [['write', 'stderr', 'CACHEFILE: cannot parse /bad.json: line 2, column 6: Missing , or : between flow map items\n']],
      result: { ok: false, info: 'CACHEFILE: cannot parse /bad.json: line 2, column 6: Missing , or : between flow map items' },
    },
    {
      name: 'content that is not a mapping fails',
      job: '/list.yaml',
      ctx: { files: { '/list.yaml': '- a\n- b\n' } },
      calls: [['write', 'stderr', 'CACHEFILE: /list.yaml must hold a mapping of arguments, got a list\n']],
      result: { ok: false, info: 'CACHEFILE: /list.yaml must hold a mapping of arguments, got a list' },
    },
    {
      name: 'an empty file fails',
      job: '/empty.yaml',
      ctx: { files: { '/empty.yaml': '' } },
      calls: [['write', 'stderr', 'CACHEFILE: /empty.yaml must hold a mapping of arguments, got nothing\n']],
      result: { ok: false, info: 'CACHEFILE: /empty.yaml must hold a mapping of arguments, got nothing' },
    },
  ]);
  assert.deepEqual(parseCacheFile('{"x": 1}'), { ok: true, value: { x: 1 } });
  assert.deepEqual(parseCacheFile('x: 1\nx: 2\n'), { ok: true, value: { x: 2 } }, 'duplicate keys keep the last value, as PyYAML');
  assert.deepEqual(parseCacheFile('{"a": 1, "b": }'), { ok: true, value: { a: 1, b: null } }, 'JSON-like YAML loads as PyYAML loads it');
});

test('WAIT: seconds, URL, command', async () => {
  await runTable(WAIT, [
    { name: 'needs a mode', job: '', error: 'WAIT: one of --seconds, --url or --cmd is required' },
    { name: 'modes are exclusive', job: '--seconds 3 --url http://x/', error: 'WAIT: --seconds and --url cannot be used together' },
    { name: 'a command needs --cmd', job: 'curl -f http://x/', error: 'WAIT: one of --seconds, --url or --cmd is required' },
    {
      name: 'a command with another mode',
      job: '--seconds 1 sleep 1',
      error: 'WAIT: unexpected argument "sleep 1" (a command needs --cmd)',
    },
    {
      name: 'words after --url continue the URL',
      job: '--url http://x.example/ extra',
      error: 'WAIT: --url is not a valid URL: "http://x.example/ extra"',
    },
    { name: '--cmd needs a command', job: '--cmd', error: 'WAIT: --cmd needs a COMMAND after the options' },
    {
      name: 'not an http URL',
      job: '--url ftp://example.com/x',
      error: 'WAIT: --url expects an http:// or https:// URL, got "ftp://example.com/x"',
    },
    { name: 'malformed URL', job: '--url http:///nohost', error: 'WAIT: --url is not a valid URL: "http:///nohost"' },
    { name: 'bad port', job: '--url http://x:99999/', error: 'WAIT: --url has an invalid port in "http://x:99999/"' },
    { name: 'negative seconds', job: '--seconds -1', error: 'WAIT: --seconds must be >= 0, got -1' },
    {
      name: '--seconds sleeps',
      job: '--seconds 2',
      fields: { seconds: 2, retry: 30, retry_wait: 1, insecure: false },
      calls: [['sleep', 2000]],
      result: { ok: true, info: 'Waited 2 seconds' },
    },
    {
      name: '--url renders (words after it continue it, as in Directord), retries with waits, succeeds on 2xx',
      job: '--retry 2 --retry-wait 0.5 --url http://{{ host }}:8080/health',
      fields: { url: 'http://{{ host }}:8080/health', retry: 2, retry_wait: 0.5, insecure: false },
      ctx: { args: { host: 'web1' }, http: [503, new Error('connect ECONNREFUSED 10.0.0.1:8080'), 204] },
      calls: [
        ['http', 'http://web1:8080/health', { insecure: false }],
        ['sleep', 500],
        ['http', 'http://web1:8080/health', { insecure: false }],
        ['sleep', 500],
        ['http', 'http://web1:8080/health', { insecure: false }],
        ['write', 'stdout', 'Response code was 204\n'],
      ],
      result: { ok: true, info: 'http://web1:8080/health' },
    },
    {
      name: '--url accepts 3xx and passes --insecure',
      job: '--insecure --url https://x.example/ --retry 0',
      ctx: { http: [302] },
      calls: [
        ['http', 'https://x.example/', { insecure: true }],
        ['write', 'stdout', 'Response code was 302\n'],
      ],
      result: { ok: true, info: 'https://x.example/' },
    },
    {
      name: '--url fails after retry + 1 attempts',
      job: '--url http://x.example/ --retry 1 --retry-wait 0',
      ctx: { http: [500] },
      calls: [
        ['http', 'http://x.example/', { insecure: false }],
        ['http', 'http://x.example/', { insecure: false }],
        ['write', 'stdout', 'Response code was 500\n'],
      ],
      result: { ok: false, info: 'URL did not return a 2xx or 3xx. Retried 1 times' },
    },
    {
      name: '--url network errors go to stderr',
      job: '--url http://nohost.invalid/ --retry 0',
      ctx: { http: [new Error('getaddrinfo ENOTFOUND nohost.invalid')] },
      calls: [
        ['http', 'http://nohost.invalid/', { insecure: false }],
        ['write', 'stderr', 'Exception occurred while fetching url: getaddrinfo ENOTFOUND nohost.invalid\n'],
      ],
      result: { ok: false, info: 'URL did not return a 2xx or 3xx. Retried 0 times' },
    },
    {
      name: 'a rendered URL is checked before anything runs',
      job: '--url {{ endpoint }}',
      ctx: { args: { endpoint: 'localhost:8080' }, http: [200] },
      calls: [['write', 'stderr', 'WAIT: --url expects an http:// or https:// URL, got "localhost:8080"\n']],
      result: { ok: false, info: 'WAIT: --url expects an http:// or https:// URL, got "localhost:8080"' },
    },
    {
      name: 'an undefined template variable fails without running',
      job: '--url http://{{ nope }}/',
      ctx: { http: [200] },
      calls: [['write', 'stderr', "undefined variable 'nope'\n"]],
      result: { ok: false, info: "undefined variable 'nope'" },
    },
    {
      name: '--cmd runs like RUN until exit 0',
      job: '--cmd --retry 2 --retry-wait 1 test -f /tmp/{{ flag }}',
      fields: { command: 'test -f /tmp/{{ flag }}', retry: 2, retry_wait: 1, insecure: false },
      ctx: { args: { flag: 'ready' }, exec: [fail1, fail1, ok0] },
      calls: [
        ['exec', 'test -f /tmp/ready', {}],
        ['sleep', 1000],
        ['exec', 'test -f /tmp/ready', {}],
        ['sleep', 1000],
        ['exec', 'test -f /tmp/ready', {}],
      ],
      result: { ok: true, info: 'test -f /tmp/ready', exitCode: 0 },
    },
    {
      name: '--cmd fails after retry + 1 attempts',
      job: '--cmd --retry 1 --retry-wait 0 false',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'false', {}],
        ['exec', 'false', {}],
      ],
      result: { ok: false, info: 'Command was not successful. Retried 1 times.', exitCode: 1 },
    },
  ]);
  assert.equal(httpUrlProblem('https://[::1]:8443/x?y#z'), null);
  assert.equal(httpUrlProblem('http://user@host/'), null);
});

test('WAIT: every wait stops when the job is aborted', async () => {
  for (const job of ['--seconds 30', '--cmd --retry 5 false', '--url http://x.example/ --retry 5']) {
    const parsed = parseJob(WAIT, job);
    assert.ok(parsed.ok);
    const signal: { aborted: boolean; reason?: unknown } & AbortSignalLike = {
      aborted: false,
      reason: 'timeout',
      addEventListener: () => {},
      removeEventListener: () => {},
    };
    const ctx = createFakeContext({ signal, exec: [fail1], http: [500], onSleep: () => (signal.aborted = true) });
    await assert.rejects(WAIT.run(ctx, parsed.value.fields), /aborted: timeout/, job);
    assert.equal(ctx.calls.filter((c) => c[0] === 'sleep').length, 1, job);
  }
});

test('WAIT: without ctx.http no request is made (a component never reaches for the global fetch)', async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
    const parsed = parseJob(WAIT, `--url ${url} --retry 3 --retry-wait 0`);
    assert.ok(parsed.ok);
    const ctx = createFakeContext();
    assert.deepEqual(await WAIT.run(ctx, parsed.value.fields), {
      ok: false,
      info: 'WAIT --url needs an HTTP client and this host gives none (ctx.http)',
    });
    assert.deepEqual(ctx.calls, []);
    assert.equal(hits, 0);
  } finally {
    server.close();
  }
});

test('QUERY_WAIT: polls the query cache every 250 ms until found or timed out', async () => {
  await runTable(QUERY_WAIT, [
    { name: 'needs an item', job: '', error: 'QUERY_WAIT: missing ITEM' },
    { name: 'timeout must be positive', job: '--query-timeout 0 qarg', error: 'QUERY_WAIT: --query-timeout must be >= 1, got 0' },
    { name: '--identity takes values up to an option', job: '--identity node1 node2 qarg', error: 'QUERY_WAIT: missing ITEM' },
    {
      name: 'found in any identity',
      job: 'qarg',
      fields: { item: 'qarg', query_timeout: 600 },
      ctx: { args: { query: { node2: { qarg: 'v' } } } },
      calls: [['write', 'stdout', 'Item found\n']],
      result: { ok: true, info: 'Item qarg found in the query cache' },
    },
    {
      name: 'found in all identities once the last one arrives',
      job: '--identity node1 node2 -- qarg',
      fields: { item: 'qarg', query_timeout: 600, identity: ['node1', 'node2'] },
      ctx: {
        args: { query: { node1: { qarg: 1 } } },
        onSleep: (_ms, ctx) => {
          if (ctx.calls.filter((c) => c[0] === 'sleep').length === 2) ctx.argsCache.query = { node1: { qarg: 1 }, node2: { qarg: null } };
        },
      },
      calls: [
        ['sleep', 250],
        ['sleep', 250],
        ['write', 'stdout', 'Item found in all identities\n'],
      ],
      result: { ok: true, info: "Item qarg found in the query cache for identities ['node1', 'node2']" },
    },
    {
      name: 'times out naming the missing identities',
      job: '--query-timeout 1 --identity node1 node2 -- qarg',
      ctx: { args: { query: { node1: { qarg: 1 } } } },
      calls: [
        ['sleep', 250],
        ['sleep', 250],
        ['sleep', 250],
        ['sleep', 250],
        ['write', 'stderr', 'Timeout after 1 seconds\n'],
      ],
      result: { ok: false, info: "Item qarg was not found in the query cache for the identities ['node2'] within 1 seconds" },
    },
    {
      name: 'an empty args cache is polled, not spun on (bug 9.10 fixed)',
      job: '--query-timeout 1 qarg',
      calls: [
        ['sleep', 250],
        ['sleep', 250],
        ['sleep', 250],
        ['sleep', 250],
        ['write', 'stderr', 'Timeout after 1 seconds\n'],
      ],
      result: { ok: false, info: 'Item qarg was not found in the query cache within 1 seconds' },
    },
  ]);
});

test('REBOOT: detached reboot after checking systemctl', async () => {
  const reboot = (n: number) => `sleep ${n}; systemctl --message='Directord reboot instruction' reboot`;
  await runTable(REBOOT, [
    { name: 'negative delay', job: '-1', error: 'REBOOT: SECONDS must be >= 0, got -1' },
    { name: 'not a number', job: 'soon', error: 'REBOOT: SECONDS expects an integer, got "soon"' },
    {
      name: 'defaults to 10 seconds',
      job: '',
      fields: { time: 10 },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', reboot(10), { detach: true }],
        ['write', 'stdout', 'Reboot scheduled in 10 seconds\n'],
      ],
      result: { ok: true, info: reboot(10) },
    },
    {
      name: 'takes the delay',
      job: '30',
      fields: { time: 30 },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', reboot(30), { detach: true }],
        ['write', 'stdout', 'Reboot scheduled in 30 seconds\n'],
      ],
      result: { ok: true, info: reboot(30) },
    },
    {
      name: 'fails clearly without systemctl',
      job: '5',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['write', 'stderr', 'systemctl is not installed on this host (REBOOT needs systemd)\n'],
      ],
      result: { ok: false, info: 'systemctl is not installed on this host (REBOOT needs systemd)' },
    },
  ]);
});

test('DNF: exact dnf command lines', async () => {
  await runTable(DNF, [
    { name: 'needs packages', job: '', error: 'DNF: missing PACKAGE' },
    {
      name: '--latest and --absent exclude each other',
      job: '--latest --absent vim',
      error: 'DNF: --latest and --absent cannot be used together',
    },
    {
      name: 'options after packages are refused',
      job: 'vim --latest',
      error: 'DNF: package "--latest" looks like an option; options go before the packages',
    },
    {
      name: 'a bad exclude list',
      job: "--exclude 'a b' vim",
      error: 'DNF: --exclude expects comma-separated package names without spaces, got "a b"',
    },
    { name: 'retry must be positive', job: '--retry 0 vim', error: 'DNF: --retry must be >= 1, got 0' },
    {
      name: 'installs',
      job: 'vim nano',
      fields: { state: 'present', retry: 3, clear: false, packages: ['vim', 'nano'] },
      calls: [
        ['exec', 'command -v dnf', quiet],
        ['write', 'stdout', '=== dnf install ===\n'],
        ['exec', 'dnf -q -y install vim nano', {}],
      ],
      result: { ok: true, info: 'dnf -q -y install vim nano', exitCode: 0 },
    },
    {
      name: 'latest with metadata refresh and excludes; globs are quoted',
      job: "--clear-metadata --exclude kernel*,glibc --latest httpd 'python3-*'",
      fields: { state: 'latest', retry: 3, clear: true, packages: ['httpd', 'python3-*'], exclude: 'kernel*,glibc' },
      calls: [
        ['exec', 'command -v dnf', quiet],
        ['write', 'stdout', '=== dnf clean ===\n'],
        ['exec', 'dnf clean all', {}],
        ['write', 'stdout', '=== dnf makecache ===\n'],
        ['exec', 'dnf makecache', {}],
        ['write', 'stdout', '=== dnf install ===\n'],
        ['exec', "dnf -q -y --best --exclude='kernel*,glibc' install httpd 'python3-*'", {}],
      ],
      result: { ok: true, info: "dnf -q -y --best --exclude='kernel*,glibc' install httpd 'python3-*'", exitCode: 0 },
    },
    {
      name: 'removes, retrying the whole sequence',
      job: '--absent --exclude=foo --retry 2 vim',
      fields: { state: 'absent', retry: 2, clear: false, packages: ['vim'], exclude: 'foo' },
      ctx: { exec: [ok0, fail1] },
      calls: [
        ['exec', 'command -v dnf', quiet],
        ['write', 'stdout', '=== dnf remove ===\n'],
        ['exec', 'dnf -q -y --exclude=foo remove vim', {}],
        ['write', 'stderr', 'DNF: attempt 1 of 2 failed (exit 1); retrying\n'],
        ['write', 'stdout', '=== dnf remove ===\n'],
        ['exec', 'dnf -q -y --exclude=foo remove vim', {}],
      ],
      result: { ok: false, info: 'dnf -q -y --exclude=foo remove vim', exitCode: 1 },
    },
    {
      name: 'fails clearly without dnf',
      job: 'vim',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v dnf', quiet],
        ['write', 'stderr', 'dnf is not installed on this host\n'],
      ],
      result: { ok: false, info: 'dnf is not installed on this host' },
    },
  ]);
});

test('SERVICE: exact systemctl command lines, in order', async () => {
  await runTable(SERVICE, [
    { name: 'needs services', job: '--enable', error: 'SERVICE: missing SERVICE' },
    { name: 'one running option', job: '--restarted --stopped httpd', error: 'SERVICE: --restarted and --stopped cannot be used together' },
    {
      name: '--daemon-reload is in the running group',
      job: '--daemon-reload --reloaded httpd',
      error: 'SERVICE: --reloaded and --daemon-reload cannot be used together',
    },
    { name: 'one state option', job: '--enable --mask httpd', error: 'SERVICE: --enable and --mask cannot be used together' },
    {
      name: 'options after services are refused',
      job: 'httpd --enable',
      error: 'SERVICE: service "--enable" looks like an option; options go before the services',
    },
    {
      name: 'starts by default',
      job: 'httpd',
      fields: { running: 'start', retry: 3, services: ['httpd'], daemon_reload: false },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl start httpd', {}],
      ],
      result: { ok: true, info: 'systemctl start httpd', exitCode: 0 },
    },
    {
      name: 'daemon-reload, enable, then start',
      job: '--daemon-reload --enable httpd chronyd.service',
      fields: { state: 'enable', running: 'start', retry: 3, services: ['httpd', 'chronyd.service'], daemon_reload: true },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl daemon-reload', {}],
        ['exec', 'systemctl enable httpd chronyd.service', {}],
        ['exec', 'systemctl start httpd chronyd.service', {}],
      ],
      result: {
        ok: true,
        info: 'systemctl daemon-reload; systemctl enable httpd chronyd.service; systemctl start httpd chronyd.service',
        exitCode: 0,
      },
    },
    {
      name: 'mask then restart (both options apply)',
      job: '--restarted --mask getty@tty1',
      fields: { state: 'mask', running: 'restart', retry: 3, services: ['getty@tty1'], daemon_reload: false },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl mask getty@tty1', {}],
        ['exec', 'systemctl restart getty@tty1', {}],
      ],
      result: { ok: true, info: 'systemctl mask getty@tty1; systemctl restart getty@tty1', exitCode: 0 },
    },
    {
      name: 'a failed state step aborts the attempt; the job retries as a whole',
      job: '--stopped --disable --retry 2 foo',
      ctx: { exec: [ok0, fail1, ok0] },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl disable foo', {}],
        ['write', 'stderr', 'SERVICE: attempt 1 of 2 failed (Failed to set the systemd state); retrying\n'],
        ['exec', 'systemctl disable foo', {}],
        ['exec', 'systemctl stop foo', {}],
      ],
      result: { ok: true, info: 'systemctl disable foo; systemctl stop foo', exitCode: 0 },
    },
    {
      name: 'a failed daemon-reload',
      job: '--daemon-reload --retry 1 foo',
      ctx: { exec: [ok0, { exitCode: 1 }] },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl daemon-reload', {}],
        ['write', 'stderr', 'Failed to reload the systemd daemon\n'],
      ],
      result: { ok: false, info: 'Failed to reload the systemd daemon', exitCode: 1 },
    },
    {
      name: 'a failed reload',
      job: '--reloaded --retry 1 foo bar',
      ctx: { exec: [ok0, { exitCode: 5 }] },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['exec', 'systemctl reload foo bar', {}],
        ['write', 'stderr', 'Failed to reload foo bar\n'],
      ],
      result: { ok: false, info: 'Failed to reload foo bar', exitCode: 5 },
    },
    {
      name: 'fails clearly without systemctl',
      job: 'httpd',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v systemctl', quiet],
        ['write', 'stderr', 'systemctl is not installed on this host (SERVICE needs systemd)\n'],
      ],
      result: { ok: false, info: 'systemctl is not installed on this host (SERVICE needs systemd)' },
    },
  ]);
});

test('FACTER: facter --json → args.facter', async () => {
  const facts = { os: { family: 'RedHat' }, processors: { count: 4 } };
  await runTable(FACTER, [
    { name: 'no positionals', job: 'extra', error: 'FACTER: unexpected argument "extra"' },
    {
      name: 'stores the facts, replacing earlier ones',
      job: '',
      fields: {},
      ctx: {
        args: { facter: { old: true }, other: 1 },
        exec: [
          { exitCode: 0, stdout: '/usr/bin/facter\n' },
          { exitCode: 0, stdout: JSON.stringify(facts) },
        ],
      },
      calls: [
        ['exec', 'command -v facter', quiet],
        ['exec', 'facter --json', {}],
        ['setArgs', { facter: facts }, { extend: false }],
      ],
      result: { ok: true, info: 'facter --json', exitCode: 0 },
      args: { facter: facts, other: 1 },
    },
    {
      name: 'passes the fact directories',
      job: "--custom-dir /etc/facter/custom --external-dir '/etc/facter/ext dir'",
      fields: { custom_dir: '/etc/facter/custom', external_dir: '/etc/facter/ext dir' },
      ctx: { exec: [ok0, { exitCode: 0, stdout: '{}' }] },
      calls: [
        ['exec', 'command -v facter', quiet],
        ['exec', "facter --json --custom-dir /etc/facter/custom --external-dir '/etc/facter/ext dir'", {}],
        ['setArgs', { facter: {} }, { extend: false }],
      ],
      result: { ok: true, info: "facter --json --custom-dir /etc/facter/custom --external-dir '/etc/facter/ext dir'", exitCode: 0 },
    },
    {
      name: 'missing facter',
      job: '',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v facter', quiet],
        ['write', 'stderr', 'Facter is not installed!\n'],
      ],
      result: { ok: false, info: 'Facter is not installed!' },
    },
    {
      name: 'invalid JSON',
      job: '',
      ctx: { exec: [ok0, { exitCode: 0, stdout: 'not json' }] },
      calls: [
        ['exec', 'command -v facter', quiet],
        ['exec', 'facter --json', {}],
        ['write', 'stderr', 'Facter returned invalid JSON!\n'],
      ],
      result: { ok: false, info: 'Facter returned invalid JSON!' },
    },
  ]);
});

const LISTING = [
  '/srv/web(/.*)?                                     all files          system_u:object_r:httpd_sys_content_t:s0',
  '/srv/data                                          directory          system_u:object_r:var_t:s0',
  '',
].join('\n');

test('SECONTEXT: semanage fcontext -a|-m, optional arguments left out', async () => {
  await runTable(SECONTEXT, [
    { name: '--setype is required', job: '/srv/x', error: 'SECONTEXT: missing --setype' },
    { name: 'needs a target', job: '--setype var_t', error: 'SECONTEXT: missing TARGET' },
    {
      name: 'unknown ftype',
      job: '--ftype x --setype var_t /srv/x',
      error: 'SECONTEXT: --ftype expects one of a, b, c, d, f, l, p, s, got "x"',
    },
    {
      name: 'bad type',
      job: "--setype 'var t' /srv/x",
      error: 'SECONTEXT: --setype expects an SELinux type such as httpd_sys_content_t, got "var t"',
    },
    {
      name: '--reload needs a path',
      job: '--reload --setype var_t relative',
      error: 'SECONTEXT: --reload needs an absolute TARGET path to relabel, got "relative"',
    },
    {
      name: 'adds a new record; unset options are not in the job (bug 9.10 fixed)',
      job: '--setype httpd_sys_content_t /srv/new(/.*)?',
      fields: { setype: 'httpd_sys_content_t', target: '/srv/new(/.*)?', reload: false },
      ctx: { exec: [ok0, { exitCode: 0, stdout: LISTING }, ok0] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['exec', 'semanage fcontext -l -n', quiet],
        ['exec', "semanage fcontext -a -t httpd_sys_content_t '/srv/new(/.*)?'", {}],
        ['write', 'stdout', '/srv/new(/.*)?\n'],
      ],
      result: { ok: true, info: "semanage fcontext -a -t httpd_sys_content_t '/srv/new(/.*)?'", exitCode: 0 },
    },
    {
      name: 'modifies an existing record (all files) and relabels',
      job: "--reload --setype public_content_t '/srv/web(/.*)?'",
      fields: { setype: 'public_content_t', target: '/srv/web(/.*)?', reload: true },
      ctx: { exec: [ok0, { exitCode: 0, stdout: LISTING }, ok0, ok0] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['exec', 'semanage fcontext -l -n', quiet],
        ['exec', "semanage fcontext -m -t public_content_t '/srv/web(/.*)?'", {}],
        ['exec', 'restorecon -R -v /srv/web', {}],
        ['write', 'stdout', '/srv/web(/.*)?\n'],
      ],
      result: { ok: true, info: "semanage fcontext -m -t public_content_t '/srv/web(/.*)?'; restorecon -R -v /srv/web", exitCode: 0 },
    },
    {
      name: 'every option, existing directory record',
      job: '--ftype d --seuser system_u --selevel s0:c1.c2 --setype var_log_t /srv/data',
      fields: { ftype: 'd', setype: 'var_log_t', seuser: 'system_u', selevel: 's0:c1.c2', target: '/srv/data', reload: false },
      ctx: { exec: [ok0, { exitCode: 0, stdout: LISTING }, ok0] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['exec', 'semanage fcontext -l -n', quiet],
        ['exec', "semanage fcontext -m -t var_log_t -f d -s system_u -r s0:c1.c2 '/srv/data'", {}],
        ['write', 'stdout', '/srv/data\n'],
      ],
      result: { ok: true, info: "semanage fcontext -m -t var_log_t -f d -s system_u -r s0:c1.c2 '/srv/data'", exitCode: 0 },
    },
    {
      name: 'the same path with another file type is a new record',
      job: '--ftype f --setype var_t /srv/data',
      ctx: { exec: [ok0, { exitCode: 0, stdout: LISTING }, ok0] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['exec', 'semanage fcontext -l -n', quiet],
        ['exec', "semanage fcontext -a -t var_t -f f '/srv/data'", {}],
        ['write', 'stdout', '/srv/data\n'],
      ],
    },
    {
      name: 'a failing semanage',
      job: '--setype var_t /x',
      ctx: { exec: [ok0, { exitCode: 0, stdout: '' }, { exitCode: 1 }] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['exec', 'semanage fcontext -l -n', quiet],
        ['exec', "semanage fcontext -a -t var_t '/x'", {}],
        ['write', 'stderr', "SECONTEXT: semanage fcontext -a -t var_t '/x' failed\n"],
      ],
      result: { ok: false, info: "SECONTEXT: semanage fcontext -a -t var_t '/x' failed", exitCode: 1 },
    },
    {
      name: 'missing semanage',
      job: '--setype var_t /x',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v semanage', quiet],
        ['write', 'stderr', 'semanage is not installed on this host (install policycoreutils-python-utils)\n'],
      ],
      result: { ok: false, info: 'semanage is not installed on this host (install policycoreutils-python-utils)' },
    },
  ]);
  assert.equal(fcontextExists(LISTING, '/srv/web', 'a'), false, 'a prefix of a record is not the record');
  assert.equal(relabelPath('/srv/data'), '/srv/data');
});

test('POD: exact podman command lines', async () => {
  const podman = (line: string, ctx?: FakeContextOptions): Pick<Case, 'ctx' | 'calls' | 'result'> => ({
    ...(ctx ? { ctx } : {}),
    calls: [
      ['exec', 'command -v podman', quiet],
      ['exec', line, {}],
    ],
    result: { ok: true, info: line, exitCode: 0 },
  });
  await runTable(POD, [
    { name: 'needs an action', job: '', error: 'POD: one of --start, --stop, --rm, --kill, --inspect, --play or --exec-run is required' },
    { name: 'one action', job: '--start web --stop web', error: 'POD: --start and --stop cannot be used together' },
    { name: '--force belongs to --rm', job: '--start web --force', error: 'POD: --force only applies to --rm' },
    { name: '--env belongs to --exec-run', job: '--start web --env A=1', error: 'POD: --env only applies to --exec-run' },
    { name: '--kill-signal belongs to --kill', job: '--stop web --kill-signal TERM', error: 'POD: --kill-signal only applies to --kill' },
    { name: '--exec-run needs --command', job: '--exec-run web', error: 'POD: --exec-run needs --command' },
    {
      name: 'bad env list',
      job: '--exec-run web --env A --command ls',
      error: 'POD: --env expects KEY=VALUE pairs separated by commas, got "A"',
    },
    { name: 'bad name', job: '--start -web', error: 'POD: --start expects a podman name or id, got "-web"' },
    {
      name: 'bad signal',
      job: '--kill web --kill-signal kill',
      error: 'POD: --kill-signal expects a signal such as SIGKILL, TERM or 9, got "kill"',
    },
    { name: 'start', job: '--start web', fields: { pod_action: 'start', name: 'web' }, ...podman('podman pod start web') },
    { name: 'stop', job: '--stop web', fields: { pod_action: 'stop', name: 'web' }, ...podman('podman pod stop web') },
    {
      name: 'rm --force',
      job: '--rm web --force',
      fields: { pod_action: 'rm', name: 'web', force: true },
      ...podman('podman pod rm --force web'),
    },
    {
      name: 'kill',
      job: '--kill web',
      fields: { pod_action: 'kill', name: 'web', signal: 'SIGKILL' },
      ...podman('podman pod kill --signal SIGKILL web'),
    },
    {
      name: 'inspect through a socket',
      job: '--inspect web --socket-path /run/podman/podman.sock',
      fields: { pod_action: 'inspect', name: 'web', socket_path: '/run/podman/podman.sock' },
      ...podman('podman --url unix:///run/podman/podman.sock pod inspect web'),
    },
    {
      name: 'play',
      job: '--play /etc/pods/web.yaml --no-tlsverify',
      fields: { pod_action: 'play', pod_file: '/etc/pods/web.yaml', tls_verify: false },
      ...podman('podman play kube --tls-verify=false /etc/pods/web.yaml', { files: { '/etc/pods/web.yaml': 'kind: Pod\n' } }),
    },
    {
      name: 'play a missing file',
      job: '--play /etc/pods/none.yaml',
      ctx: { files: {} },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['write', 'stderr', 'POD: pod file /etc/pods/none.yaml does not exist on this host\n'],
      ],
      result: { ok: false, info: 'POD: pod file /etc/pods/none.yaml does not exist on this host' },
    },
    {
      name: 'exec-run with env, privileges and a quoted argument',
      job: '--exec-run web --privileged --env A=1,B=two --command sh -c "echo $A"',
      fields: { pod_action: 'exec_run', name: 'web', command: ['sh', '-c', 'echo $A'], env: ['A=1', 'B=two'], privileged: true },
      ...podman("podman exec --privileged --env A=1 --env B=two web sh -c 'echo $A'"),
    },
    {
      name: 'a failing podman',
      job: '--start web',
      ctx: { exec: [ok0, { exitCode: 125 }] },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman pod start web', {}],
        ['write', 'stderr', 'Failed: podman pod start web (exit 125)\n'],
      ],
      result: { ok: false, info: 'Failed: podman pod start web (exit 125)', exitCode: 125 },
    },
    {
      name: 'missing podman',
      job: '--start web',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['write', 'stderr', 'podman is not installed on this host\n'],
      ],
      result: { ok: false, info: 'podman is not installed on this host' },
    },
  ]);
});

test('CONTAINER_IMAGE: exact podman command lines, image counts checked at parse time', async () => {
  await runTable(CONTAINER_IMAGE, [
    { name: 'needs an action', job: 'img', error: 'CONTAINER_IMAGE: one of --pull, --push, --tag, --list or --inspect is required' },
    { name: 'one action', job: '--pull --push img', error: 'CONTAINER_IMAGE: --pull and --push cannot be used together' },
    { name: 'tag needs 2', job: '--tag a', error: 'CONTAINER_IMAGE: --tag needs exactly 2 images (SOURCE TARGET), got 1' },
    { name: 'tag needs exactly 2', job: '--tag a b c', error: 'CONTAINER_IMAGE: --tag needs exactly 2 images (SOURCE TARGET), got 3' },
    { name: 'list takes none', job: '--list img', error: 'CONTAINER_IMAGE: --list takes no images' },
    { name: 'pull needs one', job: '--pull', error: 'CONTAINER_IMAGE: --pull needs at least one image' },
    { name: 'inspect needs one', job: '--inspect', error: 'CONTAINER_IMAGE: --inspect needs at least one image' },
    {
      name: 'options after images',
      job: '--pull img --no-tlsverify',
      error: 'CONTAINER_IMAGE: image "--no-tlsverify" looks like an option; options go before the images',
    },
    {
      name: 'pulls every image and fails naming the failed ones',
      job: '--pull quay.io/a/b:1 docker.io/library/c',
      fields: { action: 'pull', images: ['quay.io/a/b:1', 'docker.io/library/c'], tlsverify: true },
      ctx: { exec: [ok0, fail1, ok0] },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman pull quay.io/a/b:1', {}],
        ['exec', 'podman pull docker.io/library/c', {}],
        ['write', 'stderr', 'Failed: podman pull quay.io/a/b:1 (exit 1)\n'],
      ],
      result: { ok: false, info: 'Failed: podman pull quay.io/a/b:1 (exit 1)', exitCode: 1 },
    },
    {
      name: 'push without TLS verification',
      job: '--push --no-tlsverify registry:5000/app:v2',
      fields: { action: 'push', images: ['registry:5000/app:v2'], tlsverify: false },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman push --tls-verify=false registry:5000/app:v2', {}],
      ],
      result: { ok: true, info: 'podman push --tls-verify=false registry:5000/app:v2', exitCode: 0 },
    },
    {
      name: 'tag',
      job: '--tag app:v2 registry:5000/app:v2',
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman tag app:v2 registry:5000/app:v2', {}],
      ],
      result: { ok: true, info: 'podman tag app:v2 registry:5000/app:v2', exitCode: 0 },
    },
    {
      name: 'list',
      job: '--list',
      fields: { action: 'list', images: [], tlsverify: true },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman images --format json', {}],
      ],
      result: { ok: true, info: 'podman images --format json', exitCode: 0 },
    },
    {
      name: 'inspect through a socket',
      job: '--inspect --socket-path /run/podman/podman.sock a b',
      fields: { action: 'inspect', images: ['a', 'b'], tlsverify: true, socket_path: '/run/podman/podman.sock' },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['exec', 'podman --url unix:///run/podman/podman.sock image inspect a b', {}],
      ],
      result: { ok: true, info: 'podman --url unix:///run/podman/podman.sock image inspect a b', exitCode: 0 },
    },
    {
      name: 'missing podman',
      job: '--list',
      ctx: { exec: [fail1] },
      calls: [
        ['exec', 'command -v podman', quiet],
        ['write', 'stderr', 'podman is not installed on this host\n'],
      ],
      result: { ok: false, info: 'podman is not installed on this host' },
    },
  ]);
});

test('CONTAINER_CONFIG_DATA: JSON files → cache key configs', async () => {
  const files = {
    '/etc/cfg/web.json': '{"image": "old", "env": ["A=1"]}',
    '/etc/cfg/db.json': '{"image": "pg"}',
    '/etc/cfg/notes.txt': 'not json',
    '/etc/cfg/.hidden.json': '{}',
  };
  await runTable(CONTAINER_CONFIG_DATA, [
    { name: '--config-path is required', job: '', error: 'CONTAINER_CONFIG_DATA: missing --config-path' },
    {
      name: 'bad overrides',
      job: "--config-path /x --config-overrides '{bad'",
      error: "CONTAINER_CONFIG_DATA: --config-overrides is not valid JSON: Expected property name or '}' in JSON at position 1",
    },
    {
      name: 'overrides must be a mapping',
      job: "--config-path /x --config-overrides '[1]'",
      error: 'CONTAINER_CONFIG_DATA: --config-overrides expects a JSON mapping, e.g. {"web": {"image": "x"}}',
    },
    {
      name: 'pattern is a file name',
      job: '--config-path /x --config-pattern a/*.json',
      error: 'CONTAINER_CONFIG_DATA: --config-pattern expects a file name pattern without /, got "a/*.json"',
    },
    {
      name: 'loads matching files and merges overrides',
      job: `--config-path /etc/cfg/ --config-overrides '{"web": {"image": "new", "env": ["B=2"]}}'`,
      fields: {
        config_path: '/etc/cfg/',
        config_pattern: '*.json',
        config_overrides: { web: { image: 'new', env: ['B=2'] } },
        debug: false,
      },
      ctx: { files },
      calls: [
        ['set', 'configs', { db: { image: 'pg' }, web: { image: 'new', env: ['A=1', 'B=2'] } }],
        ['write', 'stdout', '{"db":{"image":"pg"},"web":{"image":"new","env":["A=1","B=2"]}}\n'],
      ],
      result: { ok: true, info: '2 config files loaded from /etc/cfg' },
    },
    {
      name: 'debug lists the files',
      job: '--debug --config-path /etc/cfg --config-pattern w*.json',
      ctx: { files },
      calls: [
        ['write', 'stderr', 'Config found for web: /etc/cfg/web.json\n'],
        ['set', 'configs', { web: { image: 'old', env: ['A=1'] } }],
        ['write', 'stdout', '{"web":{"image":"old","env":["A=1"]}}\n'],
      ],
      result: { ok: true, info: '1 config files loaded from /etc/cfg' },
    },
    {
      name: 'a missing directory loads nothing',
      job: '--config-path /etc/none',
      ctx: { files },
      calls: [['write', 'stdout', '{}\n']],
      result: { ok: true, info: '/etc/none does not exist; nothing loaded' },
    },
    {
      name: 'an invalid file fails naming it',
      job: '--config-path /etc/cfg --config-pattern *.txt',
      ctx: { files },
      calls: [
        [
          'write',
          'stderr',
          'CONTAINER_CONFIG_DATA: cannot load /etc/cfg/notes.txt: Unexpected token \'o\', "not json" is not valid JSON\n',
        ],
      ],
      result: {
        ok: false,
        info: 'CONTAINER_CONFIG_DATA: cannot load /etc/cfg/notes.txt: Unexpected token \'o\', "not json" is not valid JSON',
      },
    },
  ]);
  assert.equal(fnmatch('*.json', 'a.json'), true);
  assert.equal(fnmatch('*.json', '.a.json'), false);
  assert.equal(fnmatch('[!a]?.js[o]n', 'bc.json'), true);
  assert.equal(fnmatch('[!a]?.json', 'ac.json'), false);
  assert.equal(fnmatch('a+b.json', 'a+b.json'), true);
  assert.deepEqual(mergeConfig({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 }, d: { x: 1 } }), {
    a: { b: 1, c: [1, 2], e: 3 },
    d: { x: 1 },
  });
});

test('shellQuote quotes like shlex.quote', () => {
  assert.equal(shellQuote('vim'), 'vim');
  assert.equal(shellQuote('a,b=c:d@e%f+g/h.i-j_k'), 'a,b=c:d@e%f+g/h.i-j_k');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('py*'), "'py*'");
  assert.equal(shellQuote("it's"), `'it'"'"'s'`);
});
