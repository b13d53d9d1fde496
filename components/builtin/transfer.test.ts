/**
 * ADD/COPY (spec 4.5, issue #4) and QUERY/JOB_WAIT as tables: job string → fields (server
 * part), and fields + fake host → ctx calls → result (agent part). Bugs 9.2, 9.6, 9.7 fixed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceFile } from '../../protocol/jobs.js';
import type { ComponentContext, ComponentResult } from '../define.js';
import { jobSha, parseJob } from '../parse.js';
import { sha3_224Hex } from '../sha.js';
import { createFakeContext, type FakeCall, type FakeContext } from '../testing.js';
import { ADD } from './ADD.js';
import { COPY } from './COPY.js';
import { JOB_WAIT } from './JOB_WAIT.js';
import { QUERY } from './QUERY.js';

const text = (s: string) => new TextEncoder().encode(s);
const file = (name: string, content: string, mode = 0o644): SourceFile & { content: string } => ({
  name,
  sha: sha3_224Hex(text(content)),
  size: text(content).length,
  mode,
  content,
});

const A = file('a.conf', 'alpha\n');
const B = file('b.conf', 'beta\n');
const T = file('t.j2', 'v={{ x }}\n');
const PLAIN = file('plain.j2', 'no templates here\n');
const UNDEF = file('undef.j2', '{{ missing }}\n');

// ---------------------------------------------------------------------------------------------
// Server part: job string → fields

test('ADD/COPY: job string → fields', () => {
  const rows: { job: string; fields?: Record<string, unknown>; error?: RegExp }[] = [
    { job: 'files/a.conf /etc/a.conf', fields: { from: ['files/a.conf'], to: '/etc/a.conf', blueprint: false } },
    {
      job: '--chown=0:0 --chmod=0640 --blueprint a b /etc/',
      fields: { from: ['a', 'b'], to: '/etc/', blueprint: true, user: '0', group: '0', mode: 0o640 },
    },
    {
      job: '--chown root files/x "/opt/my dir/x"',
      fields: { from: ['files/x'], to: '/opt/my dir/x', blueprint: false, user: 'root', group: null },
    },
    { job: '--chmod 755 x /y', fields: { from: ['x'], to: '/y', blueprint: false, mode: 0o755 } },
    { job: 'only-one', error: /ADD: SOURCE… DEST|paths/ },
    { job: '--chmod 999 x /y', error: /--chmod.*octal mode/ },
    { job: '--chmod=rwx x /y', error: /--chmod.*octal mode/ },
    { job: '--chown a:b:c x /y', error: /--chown.*USER or USER:GROUP/ },
    { job: '--chown= x /y', error: /--chown/ },
  ];
  for (const row of rows) {
    const parsed = parseJob(ADD, row.job);
    if (row.error) {
      assert.ok(!parsed.ok, `${row.job}: expected an error`);
      assert.match(parsed.error.message, row.error, row.job);
      continue;
    }
    assert.ok(parsed.ok, `${row.job}: ${parsed.ok ? '' : parsed.error.message}`);
    assert.deepEqual(parsed.value.fields, row.fields, row.job);
  }
});

test('ADD withFiles: sources join the fields and the job SHA covers their content (bug 9.2)', () => {
  const parsed = parseJob(ADD, 'files/* /etc/');
  assert.ok(parsed.ok);
  const withFiles = ADD.withFiles!;
  const one = withFiles(parsed.value.fields, [A, B]);
  assert.deepEqual(
    one.sources,
    [A, B].map(({ name, sha, size, mode }) => ({ name, sha, size, mode })),
  );
  const changed = withFiles(parsed.value.fields, [A, file('b.conf', 'beta, edited\n')]);
  assert.notEqual(jobSha('ADD', one, parsed.value.common), jobSha('ADD', changed, parsed.value.common), 'changed content, new job SHA');
  assert.throws(() => withFiles(parsed.value.fields, []), /no source files were uploaded for files\/\*.*CLI/);
  assert.throws(() => withFiles(parsed.value.fields, [A, { ...B, name: 'a.conf' }]), /two sources are named a\.conf.*\/etc\/a\.conf/);
  // One source to a file path: a name clash cannot happen.
  const single = parseJob(COPY, 'x /etc/x.conf');
  assert.ok(single.ok);
  assert.equal((COPY.withFiles!(single.value.fields, [A]).sources as unknown[]).length, 1);
  assert.deepEqual(ADD.sourcePatterns!(parsed.value.fields), ['files/*']);
});

// ---------------------------------------------------------------------------------------------
// Agent part: a fake host with a content-addressed disk and a blob source

type Host = Readonly<{ ctx: ComponentContext; fake: FakeContext; disk: Map<string, string> }>;

function host(
  options: {
    disk?: Record<string, string>;
    blobs?: readonly (SourceFile & { content: string })[];
    args?: Record<string, unknown>;
    failFiles?: Record<string, string>;
  } = {},
): Host {
  const fake = createFakeContext({ args: options.args ?? {}, ...(options.failFiles ? { failFiles: options.failFiles } : {}) });
  const disk = new Map(Object.entries(options.disk ?? {}));
  const blobs = new Map((options.blobs ?? []).map((b) => [b.sha, b.content]));
  const ctx: ComponentContext = {
    ...fake,
    files: {
      ...fake.files,
      sha3_224: async (path) => {
        const content = disk.get(path);
        return content === undefined ? null : sha3_224Hex(text(content));
      },
      writeFile: async (path, data) => {
        const content = typeof data === 'string' ? data : new TextDecoder().decode(data);
        fake.calls.push(['writeFile', path, content]);
        disk.set(path, content);
      },
    },
    blobs: {
      get: async (sha) => {
        fake.calls.push(['blob', sha]);
        const content = blobs.get(sha);
        if (content === undefined) throw new Error(`forbidden: blob ${sha} is not part of a job given to node1`);
        return text(content);
      },
    },
  };
  return { ctx, fake, disk };
}

async function runAdd(h: Host, fields: Record<string, unknown>): Promise<ComponentResult> {
  return ADD.run(h.ctx, fields);
}

const sources = (...files: (SourceFile & { content: string })[]) => files.map(({ name, sha, size, mode }) => ({ name, sha, size, mode }));
const out = (calls: readonly FakeCall[], stream: 'stdout' | 'stderr') =>
  calls
    .filter((c) => c[0] === 'write' && c[1] === stream)
    .map((c) => c[2])
    .join('');
const ops = (calls: readonly FakeCall[]) => calls.filter((c) => c[0] !== 'write');

test('ADD agent: one source to a file path, written and checked', async () => {
  const h = host({ blobs: [A] });
  const result = await runAdd(h, { to: '/etc/a.conf', blueprint: false, sources: sources(A) });
  assert.equal(result.ok, true);
  assert.deepEqual(ops(h.fake.calls), [
    ['blob', A.sha],
    ['mkdirp', '/etc'],
    ['writeFile', '/etc/a.conf', 'alpha\n'],
  ]);
  assert.equal(out(h.fake.calls, 'stdout'), `/etc/a.conf SHA3_224 ${A.sha}\n`);
});

test('ADD agent: DEST ending in / and several sources each go to DEST/NAME, independently (bug 9.6)', async () => {
  for (const to of ['/srv/conf/', '/srv/conf']) {
    const h = host({ blobs: [A, B] });
    const result = await runAdd(h, { to, blueprint: false, sources: sources(A, B) });
    assert.equal(result.ok, true, to);
    assert.equal(h.disk.get('/srv/conf/a.conf'), 'alpha\n', to);
    assert.equal(h.disk.get('/srv/conf/b.conf'), 'beta\n', to);
  }
  const single = host({ blobs: [A] });
  assert.equal((await runAdd(single, { to: '/srv/conf/', blueprint: false, sources: sources(A) })).ok, true);
  assert.deepEqual([...single.disk.keys()], ['/srv/conf/a.conf']);
});

test('ADD agent: the destination is rendered with the args cache', async () => {
  const h = host({ blobs: [A], args: { dir: '/opt/app' } });
  assert.equal((await runAdd(h, { to: '{{ dir }}/', blueprint: false, sources: sources(A) })).ok, true);
  assert.equal(h.disk.get('/opt/app/a.conf'), 'alpha\n');
});

test('ADD agent: same SHA at the destination → nothing transferred, but chown and chmod still applied (bug 9.7)', async () => {
  const h = host({ disk: { '/etc/a.conf': 'alpha\n' }, blobs: [A] });
  const result = await runAdd(h, { to: '/etc/a.conf', blueprint: false, user: 'root', group: 'wheel', mode: 0o600, sources: sources(A) });
  assert.equal(result.ok, true);
  assert.deepEqual(
    ops(h.fake.calls),
    [
      ['chown', '/etc/a.conf', 'root', 'wheel'],
      ['chmod', '/etc/a.conf', 0o600],
    ],
    'no blob fetched, no write',
  );
  assert.equal(out(h.fake.calls, 'stdout'), `File exists /etc/a.conf and SHA3_224 ${A.sha} matches, nothing to transfer\n`);
});

test('ADD agent: changed destination content is replaced', async () => {
  const h = host({ disk: { '/etc/a.conf': 'old\n' }, blobs: [A] });
  assert.equal((await runAdd(h, { to: '/etc/a.conf', blueprint: false, sources: sources(A) })).ok, true);
  assert.equal(h.disk.get('/etc/a.conf'), 'alpha\n');
});

test('ADD agent: --blueprint renders the content, works with an empty args cache (bug 9.7), and fails on undefined names', async () => {
  const rendered = host({ blobs: [T], args: { x: 42 } });
  assert.equal((await runAdd(rendered, { to: '/tmp/t', blueprint: true, sources: sources(T) })).ok, true);
  assert.equal(rendered.disk.get('/tmp/t'), 'v=42\n');

  const empty = host({ blobs: [PLAIN] });
  assert.equal((await runAdd(empty, { to: '/tmp/p', blueprint: true, sources: sources(PLAIN) })).ok, true, 'empty args cache is fine');
  assert.equal(empty.disk.get('/tmp/p'), 'no templates here\n');

  const again = host({ blobs: [T], args: { x: 42 }, disk: { '/tmp/t': 'v=42\n' } });
  assert.equal((await runAdd(again, { to: '/tmp/t', blueprint: true, mode: 0o644, sources: sources(T) })).ok, true);
  assert.match(out(again.fake.calls, 'stdout'), /^File exists \/tmp\/t and SHA3_224 [0-9a-f]{56} matches/);
  assert.ok(
    again.fake.calls.some((c) => c[0] === 'chmod'),
    'blueprinted and unchanged: still chmod',
  );

  const undef = host({ blobs: [UNDEF] });
  const result = await runAdd(undef, { to: '/tmp/u', blueprint: true, sources: sources(UNDEF) });
  assert.equal(result.ok, false);
  assert.match(out(undef.fake.calls, 'stderr'), /--blueprint: undef\.j2: .*missing/);
  assert.equal(undef.disk.size, 0);
});

test('ADD agent: failures are per file and reported (fetch refused, chown, chmod)', async () => {
  const refused = host({ blobs: [B] });
  const result = await runAdd(refused, { to: '/d/', blueprint: false, sources: sources(A, B) });
  assert.equal(result.ok, false);
  assert.match(out(refused.fake.calls, 'stderr'), /Transfer failed: a\.conf: forbidden/);
  assert.equal(refused.disk.get('/d/b.conf'), 'beta\n', 'the other file is still written');
  assert.match(result.info ?? '', /1 of 2 files failed/);

  const owner = host({ blobs: [A], failFiles: { chown: 'unknown user nobody-here' } });
  const chown = await runAdd(owner, { to: '/x', blueprint: false, user: 'nobody-here', group: null, sources: sources(A) });
  assert.equal(chown.ok, false);
  assert.match(out(owner.fake.calls, 'stderr'), /Failed to set ownership properties\. USER:nobody-here GROUP:null: unknown user/);

  const mode = host({ blobs: [A], failFiles: { chmod: 'EPERM' } });
  assert.equal((await runAdd(mode, { to: '/x', blueprint: false, mode: 0o600, sources: sources(A) })).ok, false);
  assert.match(out(mode.fake.calls, 'stderr'), /Failed to set mode 0600 on \/x: EPERM/);
});

test('ADD agent: a blob whose content does not match its SHA is not written', async () => {
  const lying = { ...A, content: 'tampered\n' };
  const h = host({ blobs: [lying] });
  const result = await runAdd(h, { to: '/x', blueprint: false, sources: sources(A) });
  assert.equal(result.ok, false);
  assert.match(out(h.fake.calls, 'stderr'), new RegExp(`Data integrity failure\\. Expected SHA ${A.sha}, found SHA [0-9a-f]{56}`));
  assert.equal(h.disk.size, 0);
});

test('ADD agent: bad fields and a context without blobs fail clearly', async () => {
  const h = host();
  await assert.rejects(runAdd(h, { to: '/x', blueprint: false, sources: [{ name: 'x' }] }), /sources must be a list/);
  const { blobs: _none, ...noBlobs } = host().ctx;
  const result = await ADD.run(noBlobs, { to: '/x', blueprint: false, sources: sources(A) });
  assert.equal(result.ok, false);
});

// ---------------------------------------------------------------------------------------------
// QUERY and JOB_WAIT

test('QUERY: answers {"ARG": value}, then waits for every node unless --no-wait or not targeted', async () => {
  const parsed = parseJob(QUERY, '--no-wait qarg');
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.fields, { no_wait: true, query: 'qarg' });

  const noWait = createFakeContext({ args: { qarg: 'v1' } });
  assert.deepEqual(await QUERY.run(noWait, { no_wait: true, query: 'qarg', query_nodes: ['node1', 'node2'], query_targets: ['node1'] }), {
    ok: true,
    info: 'qarg',
  });
  assert.deepEqual(noWait.calls, [['write', 'stdout', '{"qarg":"v1"}\n']]);

  const missing = createFakeContext({});
  await QUERY.run(missing, { no_wait: true, query: 'nope' });
  assert.deepEqual(missing.calls, [['write', 'stdout', '{"nope":null}\n']]);

  let polls = 0;
  const waiting = createFakeContext({
    args: { qarg: 'v1' },
    onSleep: (_ms, ctx) => {
      if (++polls === 3) ctx.argsCache.query = { node1: { qarg: 'v1' }, node2: { qarg: 'v2' } };
    },
  });
  const result = await QUERY.run(waiting, { no_wait: false, query: 'qarg', query_nodes: ['node1', 'node2'], query_targets: ['node1'] });
  assert.equal(result.ok, true);
  assert.equal(waiting.calls.filter((c) => c[0] === 'sleep').length, 3, 'polled until every answer was in the cache');

  const notTargeted = createFakeContext({ args: {} });
  assert.equal(
    (await QUERY.run(notTargeted, { no_wait: false, query: 'qarg', query_nodes: ['node1', 'node2'], query_targets: ['node2'] })).ok,
    true,
  );
  assert.equal(notTargeted.calls.filter((c) => c[0] === 'sleep').length, 0);
});

const SHA = 'a'.repeat(56);

test('JOB_WAIT: job string → fields, both option orders', () => {
  const rows: { job: string; fields?: Record<string, unknown>; error?: RegExp }[] = [
    { job: `--identity n1 n2 -- ${SHA}`, fields: { job_sha: SHA, identity: ['n1', 'n2'], job_timeout: 600 } },
    { job: `--identity n1 --job-timeout 5 ${SHA}`, fields: { job_sha: SHA, identity: ['n1'], job_timeout: 5 } },
    { job: `--identity n1 n2 ${SHA}`, fields: { job_sha: SHA, identity: ['n1', 'n2'], job_timeout: 600 } },
    { job: `${SHA} --identity n1 n2 --job-timeout=7`, fields: { job_sha: SHA, identity: ['n1', 'n2'], job_timeout: 7 } },
    { job: SHA, error: /--identity is required/ },
    { job: '--identity n1 -- nothex', error: /JOB_SHA must be a job SHA3-224/ },
  ];
  for (const row of rows) {
    const parsed = parseJob(JOB_WAIT, row.job);
    if (row.error) {
      assert.ok(!parsed.ok, row.job);
      assert.match(parsed.error.message, row.error, row.job);
    } else {
      assert.ok(parsed.ok, `${row.job}: ${parsed.ok ? '' : parsed.error.message}`);
      assert.deepEqual(parsed.value.fields, row.fields, row.job);
    }
  }
});

function jobWaitCtx(script: readonly Record<string, string | null>[]): { ctx: ComponentContext; fake: FakeContext; asked: number } {
  const fake = createFakeContext({});
  const state = { asked: 0 };
  const ctx: ComponentContext = {
    ...fake,
    jobStates: async () => script[Math.min(state.asked++, script.length - 1)] as Record<string, never>,
  };
  return {
    ctx,
    fake,
    get asked() {
      return state.asked;
    },
  };
}

test('JOB_WAIT agent: success, failure and timeout', async () => {
  const ok = jobWaitCtx([
    { n1: 'running', n2: null },
    { n1: 'succeeded', n2: 'running' },
    { n1: 'succeeded', n2: 'succeeded' },
  ]);
  const okResult = await JOB_WAIT.run(ok.ctx, { job_sha: SHA, identity: ['n1', 'n2'], job_timeout: 60 });
  assert.equal(okResult.ok, true);
  assert.equal(ok.asked, 3);
  assert.deepEqual(
    ok.fake.calls.filter((c) => c[0] === 'sleep'),
    [
      ['sleep', 500],
      ['sleep', 500],
    ],
  );

  const failed = jobWaitCtx([{ n1: 'succeeded', n2: 'failed' }]);
  const failedResult = await JOB_WAIT.run(failed.ctx, { job_sha: SHA, identity: ['n1', 'n2'], job_timeout: 60 });
  assert.equal(failedResult.ok, false);
  assert.match(failedResult.info ?? '', /did not succeed on \['n2'\]: n2 failed/);

  const slow = jobWaitCtx([{ n1: 'running' }]);
  const slowResult = await JOB_WAIT.run(slow.ctx, { job_sha: SHA, identity: ['n1'], job_timeout: 2 });
  assert.equal(slowResult.ok, false);
  assert.match(slowResult.info ?? '', /Timeout after 2 seconds waiting for job a+ on \['n1'\]/);
  assert.equal(slow.asked, 5, 'asked every 500 ms for 2 s, then once more');

  const unlinked = createFakeContext({});
  assert.equal((await JOB_WAIT.run(unlinked, { job_sha: SHA, identity: ['n1'], job_timeout: 1 })).ok, false);
});
