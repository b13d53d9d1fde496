/**
 * Scale (issue #5): a real `directord server` process and 500 simulated agents speaking the real
 * /agent protocol (scripts/bench/sim-agents.ts) in this process. All of them come online, an
 * orchestration of 10 jobs on all of them stores every one of the 5000 (job, target) results
 * (jobs:await, runs:get counts and SELECT count(*) on the SQLite file opened read-only), and after
 * a SIGKILL and a restart of the server on the same port every agent is back, with jittered
 * reconnection attempts. The scenario is scripts/bench/scale.ts, which `npm run bench` times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScale } from '../../scripts/bench/scale.js';
import { bundles } from '../integration/harness.js';

const AGENTS = 500;
const JOBS = 10;

test(`${AGENTS} simulated agents: connect, a ${JOBS}-job orchestration on all, a reconnect stampede`, { timeout: 240_000 }, async () => {
  const { bin } = await bundles();
  const progress: string[] = [];
  const r = await runScale({ bin, count: AGENTS, jobs: JOBS, stepTimeoutMs: 120_000, log: (m) => void progress.push(m) });
  const why = `${progress.join('\n')}\n${JSON.stringify(r)}`;

  // Every result stored, once.
  assert.equal(r.runStatus, 'succeeded', why);
  assert.equal(r.runCounts.succeeded, AGENTS * JOBS, why);
  assert.equal(r.db.targets, AGENTS * JOBS, why);
  assert.equal(r.db.succeeded, AGENTS * JOBS, why);
  assert.equal(r.db.distinctPairs, AGENTS * JOBS, why);
  assert.equal(r.db.integrity, 'ok', why);
  assert.ok(r.simFinished >= AGENTS * JOBS, why);

  // Bounded (generous: a loaded 2-core CI box).
  assert.ok(r.connectS < 60, why);
  assert.ok(r.orchestrationS < 120, why);
  assert.ok(Number.isFinite(r.serverRssMb) && r.serverRssMb > 0, why);

  // The stampede: everyone back, and not in lockstep. The first attempt comes 500 ms ± 50 %
  // after the loss of the connection (socket.io's backoff with randomizationFactor 0.5).
  assert.ok(r.reconnectS !== null && r.reconnectS < 60, why);
  const j = r.jitter;
  assert.ok(j, why);
  assert.equal(j.agents, AGENTS, why);
  // (The upper bound allows for this process's event-loop lag with 500 sockets.)
  assert.ok(j.firstAttemptMinMs >= 200 && j.firstAttemptMaxMs <= 2000, `first attempts outside 500 ms ± 50 %: ${why}`);
  assert.ok(j.firstAttemptStdevMs > 50, `first attempts not jittered: ${why}`);
  assert.ok(j.firstAttemptMaxMs - j.firstAttemptMinMs > 250, `first attempts bunched: ${why}`);
});
