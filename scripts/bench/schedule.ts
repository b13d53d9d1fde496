/**
 * The schedule phase (issue #19): `schedule_fire_lag_ms`, the delay from a schedule's fire time
 * to its run's dispatch reaching the agent. An in-process server (its real scheduler timers and
 * clock) and a scripted agent on loopback; a `* * * * * *` schedule fires `fires` times; each
 * dispatch's arrival minus the fire time it was started for. Reports the median and the worst.
 *
 * Standalone: `node --import tsx scripts/bench/schedule.ts [fires]` prints one JSON line.
 * The bench (scripts/bench.ts or its phase runner) calls `runSchedulePhase()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../protocol/log.js';
import { createServer } from '../../server/index.js';
import type { FireRecord } from '../../server/schedules/scheduler.js';
import { connectUi, FakeAgent, request, testComponents } from '../../server/testing/harness.js';

export type SchedulePhase = Readonly<{ schedule_fire_lag_ms: number; schedule_fire_lag_max_ms: number; fires: number }>;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function runSchedulePhase(fires = 8): Promise<SchedulePhase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-schedule-'));
  const fired = new Map<string, FireRecord>();
  const server = await createServer({
    dataDir,
    port: 0,
    log: silentLogger,
    components: testComponents,
    scheduler: { onFire: (r) => r.runId && r.outcome === 'run' && fired.set(r.runId, r) },
  });
  const agent = new FakeAgent(server, 'bench-1');
  const ui = await connectUi(server);
  const lags: number[] = [];
  try {
    await agent.start();
    const arrivals = new Map<string, number>();
    agent.socket.on('job:dispatch', (jobs) => {
      const at = Date.now();
      for (const j of jobs) if (!arrivals.has(j.runId)) arrivals.set(j.runId, at);
      // Finish at once so the next fire is never an overlap.
      for (const j of jobs) void agent.complete(j);
    });
    await request(
      ui.emitWithAck('schedules:add', {
        name: 'bench',
        cron: '* * * * * *',
        source: { file: 'bench.yaml', text: '- jobs:\n  - RUN: --skip-cache echo tick\n' },
        target: 'bench-1',
        overlap: 'allow',
      }),
    );
    const deadline = Date.now() + (fires + 5) * 1000;
    while (lags.length < fires && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      for (const [runId, at] of arrivals) {
        const record = fired.get(runId);
        if (!record) continue;
        lags.push(at - record.at);
        arrivals.delete(runId);
      }
    }
    if (lags.length < fires) throw new Error(`schedule phase: ${lags.length} of ${fires} fires dispatched`);
    return { schedule_fire_lag_ms: median(lags), schedule_fire_lag_max_ms: Math.max(...lags), fires: lags.length };
  } finally {
    ui.close();
    agent.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fires = Number(process.argv[2] ?? 8);
  void runSchedulePhase(fires).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
