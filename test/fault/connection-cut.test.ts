/**
 * Fault (issue #5): a REAL agent process reaches the real server (`directord server`) through a
 * TCP proxy; while its job prints 2000 numbered lines, every connection through the proxy is cut
 * (RST) twice. The agent reconnects and sends what was not acknowledged again from its outbox;
 * the server applies chunks idempotently. The stored stdout must be exactly line-1 … line-2000,
 * each once, in order, and the SQLite file consistent.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, describeRun, eventually, Proc, req, type AgentHandle } from '../integration/harness.js';
import { checkDb, numberedLinesProblem } from './db-check.js';
import { startTcpProxy } from './tcp-proxy.js';

const LINES = 2000;
const JOB = `for i in $(seq 1 ${LINES}); do echo line-$i; [ $((i % 200)) = 0 ] && sleep 0.2; done; true`;

test('connection cut twice while a job streams 2000 lines: every line stored once, in order', { timeout: 90_000 }, async (t) => {
  const c = await Cluster.start();
  const proxy = await startTcpProxy(Number(new URL(c.url).port));
  t.after(async () => {
    await proxy.close();
    await c.close();
  });
  const identity = 'cut1';
  const agent = new Proc(
    `agent ${identity}`,
    [
      c.bundles.agent,
      '--data-dir',
      c.dataDir,
      '--identity',
      identity,
      '--cache-dir',
      join(c.dataDir, 'agents', identity),
      '--server',
      proxy.url,
    ],
    c.env,
  ) as AgentHandle;
  agent.identity = identity;
  agent.cacheDir = join(c.dataDir, 'agents', identity);
  t.after(async () => {
    agent.signal('SIGTERM');
    await agent.exited(3000).catch(() => agent.killGroup());
  });
  await c.agentConnected(agent);
  await c.waitOnline([identity]);
  const connections = () => (agent.stderr.match(/INFO agent:\S+:link connected/g) ?? []).length;

  const submitted = await c.cli('exec', '--target', identity, '--verb', 'RUN', JOB);
  assert.equal(submitted.code, 0, describeRun(submitted));
  const jobId = /Task ID: ([0-9a-f-]{36})/.exec(submitted.stdout)?.[1];
  assert.ok(jobId, describeRun(submitted));
  const storedLines = async () => (await c.output(jobId, identity)).stdout.split('\n').length - 1;
  const state = async () => (await req(c.ui, 'jobs:get', jobId)).targets[0]?.state;

  // Cut 1: after the first lines are stored; cut 2: once the agent is back and more arrived.
  const drops: { atLines: number; dropped: number; state: string | undefined }[] = [];
  await eventually('200 lines stored', async () => ((await storedLines()) >= 200 ? true : undefined), 20_000, 10);
  drops.push({ atLines: await storedLines(), dropped: proxy.dropAll(), state: await state() });
  await eventually('the agent back after cut 1', () => (connections() >= 2 ? true : undefined), 20_000, 10);
  await eventually('800 lines stored', async () => ((await storedLines()) >= 800 ? true : undefined), 20_000, 10);
  drops.push({ atLines: await storedLines(), dropped: proxy.dropAll(), state: await state() });
  await eventually('the agent back after cut 2', () => (connections() >= 3 ? true : undefined), 20_000, 10);
  t.diagnostic(`cuts: ${JSON.stringify(drops)}; proxy connections accepted: ${proxy.accepted()}`);
  assert.ok(
    drops.every((d) => d.dropped >= 1),
    `each cut dropped the live connection: ${JSON.stringify(drops)}`,
  );
  assert.deepEqual(
    drops.map((d) => d.state),
    ['running', 'running'],
    'both cuts came mid-run',
  );
  assert.ok(drops[0]!.atLines < LINES && drops[1]!.atLines < LINES, `both cuts before every line was stored: ${JSON.stringify(drops)}`);

  const [done] = await c.await([jobId], 30_000);
  assert.equal(done?.targets[0]?.state, 'succeeded', `${done?.targets[0]?.info}\n${c.logs()}`);
  const { stdout } = await c.output(jobId, identity);
  assert.equal(numberedLinesProblem(stdout, 'line-', LINES), null);

  const db = checkDb(c.dataDir, [jobId]);
  assert.deepEqual(db.integrity, ['ok']);
  assert.equal(db.targetRows[jobId], 1);
  assert.equal(db.duplicateOutput, 0);
  assert.equal(db.stdout[`${jobId}/${identity}`], stdout, 'the stored chunks joined in seq order are the output');
  const seqs = db.stdoutSeqs[`${jobId}/${identity}`] ?? [];
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i),
    'chunk seqs 0…n-1 without a gap',
  );
});
