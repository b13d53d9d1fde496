/**
 * The rollout phase (issue #17): `rollout_wave_gap_ms`, the time from a wave's last result
 * (applied on the server) to the next wave's dispatch, with a real in-process server and 4 real
 * agents: an orchestration with `serial: 1` (4 waves, 3 gaps) is run `rounds` times; the figure
 * is the median of all gaps. `npm run bench` calls {@link rolloutPhase}; on its own:
 *   node --import tsx scripts/bench/rollout.ts [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../../agent/index.js';
import { builtinComponents } from '../../components/builtin/index.js';
import { silentLogger } from '../../protocol/log.js';
import { createServer } from '../../server/index.js';
import { io } from 'socket.io-client';
import type { Result } from '../../protocol/result.js';
import type { RunSubmitted } from '../../protocol/jobs.js';
import type { RunDetail } from '../../protocol/records.js';

const HOSTS = 4;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function rolloutPhase(runs = 3, log: (line: string) => void = () => {}): Promise<Record<string, number[]>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-rollout-'));
  const gaps: number[] = [];
  const server = await createServer({
    dataDir,
    port: 0,
    components: builtinComponents,
    log: silentLogger,
    onRolloutWave: (e) => void (e.gapMs !== null && gaps.push(e.gapMs)),
  });
  const agents: RunningAgent[] = [];
  const ui = io(`${server.url}/ui`, {
    transports: ['websocket'],
    auth: { token: server.uiToken, client: 'bench' },
    forceNew: true,
    reconnection: false,
  });
  try {
    for (let i = 1; i <= HOSTS; i++) {
      const agent = await startAgent({
        serverUrl: server.url,
        key: server.agentKey,
        identity: `r${i}`,
        cacheDir: join(dataDir, 'agents', `r${i}`),
        log: silentLogger,
      });
      await agent.whenConnected();
      agents.push(agent);
    }
    await new Promise<void>((resolve, reject) => {
      if (ui.connected) return resolve();
      ui.once('connect', () => resolve());
      ui.once('connect_error', reject);
    });
    const ask = <T>(event: string, payload: unknown) => ui.timeout(60_000).emitWithAck(event, payload) as Promise<Result<T>>;
    const perRun = [];
    for (let run = 1; run <= runs; run++) {
      const before = gaps.length;
      const submitted = await ask<RunSubmitted>('runs:submit', {
        kind: 'orchestrate',
        requestedBy: 'bench',
        entries: [
          { name: 'waves', serial: 1, targets: agents.map((_, i) => `r${i + 1}`), jobs: [{ verb: 'RUN', text: '--skip-cache true' }] },
        ],
      });
      if (!submitted.ok) throw new Error(`rollout bench: ${submitted.error.message}`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const detail = await ask<RunDetail>('runs:get', submitted.value.runId);
        if (detail.ok && detail.value.status === 'succeeded') break;
        if (detail.ok && !['running'].includes(detail.value.status)) throw new Error(`rollout bench: run ended ${detail.value.status}`);
        if (Date.now() > deadline) throw new Error('rollout bench: run did not finish');
        await new Promise((r) => setTimeout(r, 20));
      }
      if (gaps.length - before !== HOSTS - 1)
        throw new Error(`rollout bench: expected ${HOSTS - 1} wave gaps, saw ${gaps.length - before}`);
      perRun.push(median(gaps.slice(before)));
      log(
        `rollout run ${run}/${runs}: gaps ${gaps
          .slice(before)
          .map((g) => g.toFixed(2))
          .join(', ')} ms`,
      );
    }
    return { rollout_wave_gap_ms: perRun };
  } finally {
    ui.close();
    for (const a of agents) await a.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const figures = await rolloutPhase(runs, (line) => process.stderr.write(line + '\n'));
  process.stdout.write(
    JSON.stringify({
      rollout_wave_gap_ms: Math.round(median(figures.rollout_wave_gap_ms!) * 100) / 100,
      runs: figures.rollout_wave_gap_ms,
    }) + '\n',
  );
  process.exit(0);
}
