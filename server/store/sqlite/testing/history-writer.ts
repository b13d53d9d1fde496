/** A process that writes turns of target updates and output forever (killed by history-scale.test.ts). */
import { silentLogger } from '../../../../protocol/log.js';
import { openSqliteStore } from '../index.js';
import { newJob, newRun, target } from './history-fill.js';

const store = openSqliteStore({ path: process.argv[2]!, log: silentLogger });
const hosts = Array.from({ length: 20 }, (_, i) => `w${i}`);
const states = ['dispatched', 'running', 'succeeded', 'failed', 'lost', 'cancelled', 'timed-out'] as const;
let seq = 1;
for (let turn = 0; ; turn++) {
  const runId = `w-${turn}`;
  const jobs = Array.from({ length: 5 }, (_, j) => newJob(runId, `${runId}-${j}`, seq++, Date.now(), hosts));
  await store.transaction((tx) => {
    tx.jobs.insertSubmission(newRun(runId, Date.now(), hosts, jobs.length), jobs);
    for (const j of jobs)
      for (const [i, h] of hosts.entries()) {
        tx.jobs.updateTarget({
          ...target(h, Date.now(), states[(i + turn) % states.length], { executionTime: i / 10 }),
          jobId: j.job.jobId,
        });
        tx.jobs.insertChunk(j.job.jobId, h, 'stdout', 0, `line ${turn} ${i}\n`);
      }
  });
  process.stdout.write(`turn ${turn}\n`);
}
