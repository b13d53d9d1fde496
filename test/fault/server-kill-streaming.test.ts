/**
 * Fault (issue #5): the server (`directord server`, a real process) SIGKILLed while two REAL agents
 * stream output, then restarted on the same data dir. test/integration/durability.test.ts already
 * checks integrity and settling after a crash with short jobs; this adds the output path: batches
 * committed but not acked when the server died are sent again by the agents, batches in flight are
 * lost with the process, and the agents keep producing into their outboxes while it is down. After
 * the restart: PRAGMA integrity_check = ok, every job settles (the job queued behind the streaming
 * one too), and each target's stdout is exactly line-1 … line-2000, each once, in order.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, describeRun, eventually, marker, sleep } from '../integration/harness.js';
import { checkDb, numberedLinesProblem } from './db-check.js';

const LINES = 2000;
const AGENTS = ['sk1', 'sk2'];

test('server SIGKILLed while agents stream output, restarted: integrity ok, all settle, output exact', { timeout: 120_000 }, async (t) => {
  const c = await Cluster.start({ agents: AGENTS });
  t.after(() => c.close());
  const m = marker();
  const file = join(c.dataDir, `stream-${m}.yaml`);
  writeFileSync(
    file,
    `- name: stream-${m}
  jobs:
    - RUN: for i in $(seq 1 ${LINES}); do echo line-$i; [ $((i % 200)) = 0 ] && sleep 0.2; done; true
    - RUN: echo after-${m}
`,
  );
  const submitted = await c.cli('orchestrate', file);
  assert.equal(submitted.code, 0, describeRun(submitted));
  const ids = [...submitted.stdout.matchAll(/Task ID: ([0-9a-f-]{36})/g)].map((x) => x[1]!);
  assert.equal(ids.length, 2);
  const [streamId, afterId] = ids as [string, string];

  const stored = async (target: string) => (await c.output(streamId, target)).stdout.split('\n').length - 1;
  await eventually(
    'both agents streaming (≥ 400 lines stored each)',
    async () => {
      const n = await Promise.all(AGENTS.map(stored));
      return n.every((x) => x >= 400) ? n : undefined;
    },
    20_000,
    10,
  );
  const killed = await c.stopServer('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const crashed = checkDb(c.dataDir, ids);
  assert.deepEqual(crashed.integrity, ['ok'], 'consistent right after the crash');
  const atCrash = Object.fromEntries(Object.entries(crashed.stdout).map(([k, v]) => [k, v.split('\n').length - 1]));

  // Down for a while: the jobs go on and the agents' outboxes fill.
  await sleep(1000);
  await c.startServer();
  await c.waitOnline(AGENTS, 30_000);

  const settled = await c.await(ids, 30_000);
  assert.deepEqual(
    settled.map((j) => j.targets.map((x) => `${x.target}:${x.state}`).join(' ')),
    ids.map(() => AGENTS.map((a) => `${a}:succeeded`).join(' ')),
    c.logs(),
  );
  const db = checkDb(c.dataDir, ids);
  t.diagnostic(`lines stored per target at the crash: ${JSON.stringify(atCrash)}`);
  for (const target of AGENTS) {
    const { stdout } = await c.output(streamId, target);
    assert.equal(numberedLinesProblem(stdout, 'line-', LINES), null, `${target}`);
    assert.equal(db.stdout[`${streamId}/${target}`], stdout);
    const seqs = db.stdoutSeqs[`${streamId}/${target}`] ?? [];
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
      `${target}: chunk seqs without a gap`,
    );
    assert.equal((await c.output(afterId, target)).stdout, `after-${m}\n`);
  }
  assert.deepEqual(db.integrity, ['ok']);
  assert.deepEqual(db.targetRows, { [streamId]: AGENTS.length, [afterId]: AGENTS.length });
  assert.equal(db.duplicateTargets, 0);
  assert.equal(db.duplicateOutput, 0);

  const stopped = await c.stopServer('SIGTERM');
  assert.deepEqual(stopped, { code: 0, signal: null });
  assert.deepEqual(checkDb(c.dataDir, ids).integrity, ['ok']);
});
