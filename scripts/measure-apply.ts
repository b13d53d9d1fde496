/**
 * A micro-measurement of the per-result hot path (not the bench): one real server in a temp dir,
 * 6 fake agents over 127.0.0.1, RESULTS jobs spread over them; each agent sends its results as
 * `job:events` batches of 100 targets (started + one output chunk + finished each), several
 * batches in flight per agent, as the real outbox does. Prints the wall time from the first
 * batch to the last ack, and per-result µs. Run: node --import tsx scripts/measure-apply.ts [RESULTS] [ROUNDS]
 */
import type { DispatchedJob, JobEvent } from '../protocol/jobs.js';
import { connectUi, FakeAgent, request, startTestServer } from '../server/testing/harness.js';

const RESULTS = Number(process.argv[2] ?? 6000);
const ROUNDS = Number(process.argv[3] ?? 5);
const AGENTS = 6;
const BATCH = 100;

function eventsFor(job: DispatchedJob): JobEvent[] {
  const now = Date.now();
  return [
    { type: 'started', jobId: job.jobId, at: now },
    { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: `ran ${job.jobId}\n` },
    {
      type: 'finished',
      jobId: job.jobId,
      outcome: 'succeeded',
      info: 'ok',
      exitCode: 0,
      executionTime: 0.001,
      startedAt: now,
      finishedAt: now,
      stdoutChunks: 1,
      stderrChunks: 0,
    },
  ];
}

async function round(): Promise<number> {
  const t = await startTestServer({ heartbeatIntervalMs: 60_000 });
  const ui = await connectUi(t.server);
  try {
    const agents = Array.from({ length: AGENTS }, (_, i) => new FakeAgent(t.server, `m${i}`));
    for (const a of agents) await a.start();
    const perRun = RESULTS / AGENTS;
    // One run of `perRun` jobs on every agent: RESULTS (job, target) results in all.
    await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: Array.from({ length: perRun }, (_, i) => ({ verb: 'RUN', text: `true ${i}` })) }],
        targets: agents.map((_, i) => `m${i}`),
      }),
    );
    const jobs = await Promise.all(agents.map((a) => a.waitForJobs(perRun, 60_000)));
    const started = performance.now();
    await Promise.all(
      agents.map(async (a, i) => {
        const mine = jobs[i] ?? [];
        const sends: Promise<unknown>[] = [];
        for (let k = 0; k < mine.length; k += BATCH) sends.push(a.send(mine.slice(k, k + BATCH).flatMap(eventsFor)));
        const results = await Promise.all(sends);
        for (const r of results) if (!(r as { ok: boolean }).ok) throw new Error(`batch refused: ${JSON.stringify(r)}`);
      }),
    );
    const ms = performance.now() - started;
    for (const a of agents) a.close();
    return ms;
  } finally {
    ui.close();
    await t.stop();
  }
}

const times: number[] = [];
await round(); // warm-up
for (let i = 0; i < ROUNDS; i++) times.push(await round());
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
console.log(
  JSON.stringify({
    results: RESULTS,
    rounds: ROUNDS,
    medianMs: Math.round(median),
    perResultUs: Math.round((median * 1000) / RESULTS),
    all: times.map(Math.round),
  }),
);
