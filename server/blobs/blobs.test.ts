/**
 * Issue #4 on the server, over real sockets with fake agents: content-addressed blobs
 * (`blobs:put` / `blobs:has`), blob authorization (`blob:get` only for jobs dispatched to that
 * agent — bug 9.17 fixed), ADD submissions, `jobs:state` (JOB_WAIT), QUERY coordination, and
 * user components shipped by hash (install, upgrade on a connected agent, hello announcements).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtinComponents } from '../../components/builtin/index.js';
import type { ComponentInstall } from '../../protocol/blobs.js';
import type { DispatchedJob, RunSubmission, SourceFile } from '../../protocol/jobs.js';
import { LIMITS } from '../../protocol/version.js';
import { importModule } from '../components/import-module.js';
import {
  connectUi,
  eventually,
  FakeAgent,
  request,
  startTestServer,
  withTimeout,
  type TestServer,
  type UiClient,
} from '../testing/harness.js';

const sha3 = (data: Uint8Array | string) => createHash('sha3-224').update(data).digest('hex');

function sourceOf(name: string, content: string): SourceFile {
  return { name, sha: sha3(content), size: Buffer.byteLength(content), mode: 0o644 };
}

const addJob = (text: string, files: SourceFile[], targets: string[]): RunSubmission => ({
  kind: 'exec',
  entries: [{ jobs: [{ verb: 'ADD', text, files }] }],
  targets,
});

const COMPONENT = (suffix: string) => `export default ({ Type, defineComponent }) => defineComponent({
  verb: 'SHOUT',
  summary: 'Shout (test user component)',
  args: Type.Object({ text: Type.String({ 'x-argv': 'rest', minLength: 1, title: 'Text', description: 'What' }) }),
  cacheable: false,
  requiresLock: false,
  async run(ctx, fields) { ctx.write('stdout', String(fields.text).toUpperCase() + '${suffix}\\n'); return { ok: true }; },
}, false);
`;

describe('blobs, ADD, jobs:state, QUERY and user components (fake agents)', { timeout: 60_000 }, () => {
  let t: TestServer;
  let ui: UiClient;
  let a: FakeAgent;
  let b: FakeAgent;
  let componentsDir: string;
  const installs: Record<'a' | 'b', ComponentInstall[]> = { a: [], b: [] };
  const order: Record<'a' | 'b', string[]> = { a: [], b: [] };

  before(async () => {
    componentsDir = mkdtempSync(join(tmpdir(), 'directord-components-'));
    writeFileSync(join(componentsDir, 'shout.mjs'), COMPONENT(''));
    t = await startTestServer({ components: builtinComponents, componentsDir, importModule });
    a = new FakeAgent(t.server, 'a');
    b = new FakeAgent(t.server, 'b');
    for (const [key, agent] of [
      ['a', a],
      ['b', b],
    ] as const) {
      agent.socket.on('component:install', (install, ack) => {
        installs[key].push(install);
        order[key].push(`install ${install.hash.slice(0, 8)}`);
        ack({ ok: true, value: { verb: install.verb, hash: install.hash } });
      });
      agent.socket.on('job:dispatch', (jobs) => order[key].push(...jobs.map((j) => `job ${j.verb}`)));
    }
    await a.start();
    await b.start();
    ui = await connectUi(t.server);
  });
  after(async () => {
    ui?.close();
    a?.close();
    b?.close();
    await t?.stop();
    if (componentsDir) rmSync(componentsDir, { recursive: true, force: true });
  });

  test('blobs:put checks the SHA3-224, stores content-addressed; blobs:has lists what is missing', async () => {
    const content = `hello ${randomBytes(4).toString('hex')}\n`;
    const sha = sha3(content);
    assert.deepEqual(await request(ui.emitWithAck('blobs:has', { shas: [sha] })), { missing: [sha] });
    const wrong = await ui.emitWithAck('blobs:put', {
      sha: 'f'.repeat(56),
      size: content.length,
      content: Buffer.from(content).toString('base64'),
    });
    assert.equal(wrong.ok, false);
    assert.match(wrong.ok ? '' : wrong.error.message, /content SHA3-224 is [0-9a-f]{56}, not f{56}/);
    assert.deepEqual(await request(ui.emitWithAck('blobs:put', { sha, size: content.length, content, encoding: 'utf8' })), {
      sha,
      complete: true,
      received: content.length,
    });
    assert.deepEqual(await request(ui.emitWithAck('blobs:has', { shas: [sha] })), { missing: [] });
    assert.ok(readdirSync(join(t.dataDir, 'blobs')).includes(sha));
    const traversal = await ui.emitWithAck('blobs:put', { sha: '../../agent.key', size: 1, content: 'eA==' } as never);
    assert.equal(traversal.ok, false);
    assert.equal(traversal.ok ? '' : traversal.error.code, 'invalid-payload');
  });

  test('a blob larger than one message arrives in pieces, in order', async () => {
    const data = randomBytes(LIMITS.blobChunkBytes + 1000);
    const sha = sha3(data);
    const first = data.subarray(0, LIMITS.blobChunkBytes);
    const rest = data.subarray(LIMITS.blobChunkBytes);
    const outOfOrder = await ui.emitWithAck('blobs:put', {
      sha,
      size: data.length,
      offset: LIMITS.blobChunkBytes,
      content: rest.toString('base64'),
    });
    assert.equal(outOfOrder.ok ? '' : outOfOrder.error.code, 'conflict');
    assert.deepEqual(await request(ui.emitWithAck('blobs:put', { sha, size: data.length, offset: 0, content: first.toString('base64') })), {
      sha,
      complete: false,
      received: first.length,
    });
    assert.deepEqual(
      await request(ui.emitWithAck('blobs:put', { sha, size: data.length, offset: first.length, content: rest.toString('base64') })),
      { sha, complete: true, received: data.length },
    );
    assert.deepEqual(await request(ui.emitWithAck('blobs:has', { shas: [sha] })), { missing: [] });
  });

  test('ADD: blobs must be uploaded; an agent reads only the blobs of its own jobs (bug 9.17 fixed)', async () => {
    const content = `secret ${randomBytes(4).toString('hex')}\n`;
    const file = sourceOf('app.conf', content);
    const notUploaded = await ui.emitWithAck('runs:submit', addJob('app.conf /etc/app.conf', [file], ['a']));
    assert.equal(notUploaded.ok ? '' : notUploaded.error.code, 'not-found');
    assert.match(notUploaded.ok ? '' : notUploaded.error.message, /app\.conf .* was not uploaded/);
    const noFiles = await ui.emitWithAck('runs:submit', addJob('app.conf /etc/app.conf', [], ['a']));
    assert.match(noFiles.ok ? '' : noFiles.error.message, /no source files were uploaded .* CLI/);

    await request(ui.emitWithAck('blobs:put', { sha: file.sha, size: file.size, content, encoding: 'utf8' }));
    const before = a.dispatched.length;
    const submitted = await request(ui.emitWithAck('runs:submit', addJob('app.conf /etc/app.conf', [file], ['a'])));
    const [job] = (await a.waitForJobs(before + 1)).slice(before) as [DispatchedJob];
    assert.deepEqual(job.args.sources, [file]);
    assert.equal(job.sha, submitted.jobs[0]?.sha);

    const got = await withTimeout(a.socket.emitWithAck('blob:get', { sha: file.sha, jobId: job.jobId }), 5000, 'blob:get');
    assert.ok(got.ok, got.ok ? '' : got.error.message);
    assert.equal(Buffer.from(got.value.content, 'base64').toString(), content);
    assert.equal(got.value.size, file.size);

    const stolen = await withTimeout(b.socket.emitWithAck('blob:get', { sha: file.sha, jobId: job.jobId }), 5000, 'blob:get b');
    assert.equal(stolen.ok ? '' : stolen.error.code, 'forbidden', 'another agent cannot read a blob of a job it was not given');
    const otherBlob = await withTimeout(
      a.socket.emitWithAck('blob:get', { sha: sha3('anything else'), jobId: job.jobId }),
      5000,
      'blob:get other',
    );
    assert.equal(otherBlob.ok ? '' : otherBlob.error.code, 'forbidden', 'nor a blob the job does not list');
    const traversal = await withTimeout(
      a.socket.emitWithAck('blob:get', { sha: '../../agent.key', jobId: job.jobId } as never),
      5000,
      'blob:get traversal',
    );
    assert.equal(traversal.ok ? '' : traversal.error.code, 'invalid-payload', 'a blob id is never a path');
    await a.complete(job);
  });

  test('jobs:state: states (no output) of the latest job with a SHA on each identity', async () => {
    const before = a.dispatched.length;
    const submitted = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: `echo state-${randomBytes(3).toString('hex')}` }] }],
        targets: ['a'],
      }),
    );
    const sha = submitted.jobs[0]!.sha;
    const job = (await a.waitForJobs(before + 1)).find((j) => j.jobId === submitted.jobs[0]!.jobId)!;
    const ask = async () => {
      const r = await withTimeout(b.socket.emitWithAck('jobs:state', { sha, identities: ['a', 'b'] }), 5000, 'jobs:state');
      assert.ok(r.ok);
      return r.value.states;
    };
    const first = await ask();
    assert.ok(first.a === 'queued' || first.a === 'dispatched', String(first.a));
    assert.equal(first.b, null);
    await a.complete(job);
    await eventually('succeeded state', async () => ((await ask()).a === 'succeeded' ? true : undefined));
    const bad = await withTimeout(b.socket.emitWithAck('jobs:state', { sha: 'nope', identities: [] } as never), 5000, 'bad');
    assert.equal(bad.ok ? '' : bad.error.code, 'invalid-payload');
  });

  test('QUERY: sent to every online agent; when all answered, an ARG query job goes to all (spec 4.10)', async () => {
    const beforeA = a.dispatched.length;
    const beforeB = b.dispatched.length;
    const submitted = await request(
      ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'QUERY', text: 'qarg' }] }], targets: ['a'] }),
    );
    assert.deepEqual(submitted.jobs[0]?.targets, ['a', 'b'], 'recorded on every online agent');
    const [qa] = (await a.waitForJobs(beforeA + 1)).slice(beforeA) as [DispatchedJob];
    const [qb] = (await b.waitForJobs(beforeB + 1)).slice(beforeB) as [DispatchedJob];
    assert.deepEqual([qa.args.query_nodes, qa.args.query_targets], [['a', 'b'], ['a']]);
    const now = Date.now();
    await a.send([
      { type: 'started', jobId: qa.jobId, at: now },
      { type: 'output', jobId: qa.jobId, stream: 'stdout', seq: 0, data: '{"qarg": "from-a"}\n' },
    ]);
    await b.complete(qb, 'succeeded', '{"qarg": null}\n');
    const [argA] = (await a.waitForJobs(beforeA + 2)).slice(beforeA + 1) as [DispatchedJob];
    const [argB] = (await b.waitForJobs(beforeB + 2)).slice(beforeB + 1) as [DispatchedJob];
    for (const arg of [argA, argB]) {
      assert.equal(arg.verb, 'ARG');
      assert.deepEqual(arg.args, {
        extend_args: true,
        args: { query: { a: { qarg: 'from-a' }, b: { qarg: null } } },
        parent_async_bypass: true,
      });
      assert.equal(arg.skipCache, true);
    }
    assert.equal(argA.jobId, argB.jobId);
    await a.complete(argA);
    await b.complete(argB);
    await a.complete(qa, 'succeeded', '');
    const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [qa.jobId], timeoutMs: 5000 }));
    assert.deepEqual(
      record?.targets.map((x) => [x.target, x.state]),
      [
        ['a', 'succeeded'],
        ['b', 'succeeded'],
      ],
    );
  });

  test('QUERY: a node that fails before answering cancels the nodes waiting for the results', async () => {
    const beforeA = a.dispatched.length;
    const beforeB = b.dispatched.length;
    const cancelledBefore = a.cancelled.length;
    await request(ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'QUERY', text: 'qarg2' }] }] }));
    const [qa] = (await a.waitForJobs(beforeA + 1)).slice(beforeA) as [DispatchedJob];
    const [qb] = (await b.waitForJobs(beforeB + 1)).slice(beforeB) as [DispatchedJob];
    await a.send([
      { type: 'started', jobId: qa.jobId, at: Date.now() },
      { type: 'output', jobId: qa.jobId, stream: 'stdout', seq: 0, data: '{"qarg2": 1}\n' },
    ]);
    await b.complete(qb, 'failed', '');
    await eventually('cancel of the waiting QUERY on a', () => (a.cancelled.length > cancelledBefore ? true : undefined));
    assert.deepEqual(a.cancelled.slice(cancelledBefore), [qa.jobId]);
    assert.equal(a.dispatched.length, beforeA + 1, 'no ARG job was sent');
    await a.send([
      {
        type: 'finished',
        jobId: qa.jobId,
        outcome: 'cancelled',
        info: 'Job cancelled',
        executionTime: 0,
        startedAt: 0,
        finishedAt: 0,
        stdoutChunks: 1,
        stderrChunks: 0,
      },
    ]);
  });

  test('user components: listed in server:info, shipped once per hash before the first job, again after a change', async () => {
    const info = await request(ui.emitWithAck('server:info'));
    const shout = info.components.find((c) => c.verb === 'SHOUT');
    assert.ok(shout, 'SHOUT in server:info');
    assert.equal(shout.builtin, false);
    assert.equal(shout.hash, sha3(COMPONENT('')));

    const submit = async (text: string) =>
      request(ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'SHOUT', text }] }], targets: ['a'] }));
    order.a.length = 0;
    await submit('one');
    await submit('two');
    await eventually('two SHOUT jobs on a', () => (order.a.filter((o) => o === 'job SHOUT').length === 2 ? true : undefined));
    assert.deepEqual(order.a, [`install ${shout.hash!.slice(0, 8)}`, 'job SHOUT', 'job SHOUT'], 'installed once, before the first job');
    assert.deepEqual(installs.a.at(-1), { verb: 'SHOUT', hash: shout.hash, source: COMPONENT('') });

    // An edit reaches the connected agent on the next use.
    writeFileSync(join(componentsDir, 'shout.mjs'), COMPONENT('!'));
    await submit('three');
    const newHash = sha3(COMPONENT('!'));
    await eventually('the upgrade and the third job on a', () =>
      order.a.filter((o) => o === 'job SHOUT').length === 3 ? true : undefined,
    );
    assert.deepEqual(order.a.slice(-2), [`install ${newHash.slice(0, 8)}`, 'job SHOUT']);
    assert.equal(installs.b.length, 0, 'b never needed it');

    // An agent that announces the current hash in its hello gets no install.
    const c = new FakeAgent(t.server, 'c');
    let cInstalls = 0;
    c.socket.on('component:install', (install, ack) => {
      cInstalls++;
      ack({ ok: true, value: { verb: install.verb, hash: install.hash } });
    });
    const hello = c.helloPayload();
    const r = await c.hello({
      components: [
        ...hello.components,
        { verb: 'SHOUT', summary: 's', args: {}, cacheable: false, requiresLock: false, builtin: false, hash: newHash },
      ],
    });
    assert.ok(r.ok);
    await request(ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'SHOUT', text: 'four' }] }], targets: ['c'] }));
    await c.waitForJobs(1);
    assert.equal(cInstalls, 0);
    c.close();
  });

  test('a broken user component file is reported and ignored; the others keep working', async () => {
    mkdirSync(componentsDir, { recursive: true });
    writeFileSync(join(componentsDir, 'broken.mjs'), 'export default 42;\n');
    const info = await request(ui.emitWithAck('server:info'));
    assert.ok(info.components.some((c) => c.verb === 'SHOUT'));
    assert.ok(!info.components.some((c) => c.verb === 'BROKEN'));
  });
});
