/** The scale phase (./scale.ts: `directord server` with 500 simulated agents), RUNS times. */
import { join } from 'node:path';
import { runScale } from './scale.js';
import { log, root, RUNS } from './common.js';

/** The scale phase (scripts/bench/scale.ts), RUNS times; throws when a result is missing or the backoff is not jittered. */
export async function scalePhase(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = {
    agents_500_connect_s: [],
    agents_500_orchestration_s: [],
    server_rss_mb_500_agents: [],
    agents_500_reconnect_s: [],
  };
  for (let run = 1; run <= RUNS; run++) {
    log(`scale run ${run}/${RUNS}`);
    const r = await runScale({ bin: join(root, 'bin', 'directord.js'), count: 500, jobs: 10, log });
    const expected = r.count * r.jobs;
    if (r.runStatus !== 'succeeded' || r.db.succeeded !== expected || r.db.distinctPairs !== expected || r.runCounts.succeeded !== expected)
      throw new Error(`scale: results missing: ${JSON.stringify(r)}`);
    if (!r.jitter || r.jitter.agents !== r.count || !(r.jitter.firstAttemptStdevMs > 50))
      throw new Error(`scale: reconnection not jittered: ${JSON.stringify(r.jitter)}`);
    figures.agents_500_connect_s!.push(r.connectS);
    figures.agents_500_orchestration_s!.push(r.orchestrationS);
    figures.server_rss_mb_500_agents!.push(r.serverRssMb);
    figures.agents_500_reconnect_s!.push(r.reconnectS ?? NaN);
  }
  return figures;
}
