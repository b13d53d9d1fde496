/**
 * `orchestrate --poll` on a run with a rollout (issue #17): one line as each wave starts and as
 * it ends, then `Rollout halted: …` when it halts.
 */
import type { HaltReason, RunRollout } from '../../protocol/rollouts.js';

/** Per entry, how many wave starts and ends were printed. */
export type WavePrinter = Map<number, { started: number; ended: number }>;

export function haltLine(runId: string, entryName: string, reason: HaltReason): string {
  return (
    `Rollout halted: ${entryName} after wave ${reason.wave + 1}: ${reason.failed} of ${reason.total} hosts failed (${reason.hosts.join(', ')}), ` +
    `above max_fail_percentage ${reason.maxFailPercentage}; run \`directord rollout resume|retry|abort ${runId}\``
  );
}

/** The lines to print for what changed since the last call. */
export function waveLines(r: RunRollout, printed: WavePrinter, settled: boolean): string[] {
  const out: string[] = [];
  for (const e of r.entries) {
    if (e.mode !== 'serial') continue;
    const label = e.name ?? `entry ${e.entry + 1}`;
    const p = printed.get(e.entry) ?? { started: 0, ended: 0 };
    printed.set(e.entry, p);
    const total = e.waves.length;
    // A wave ended when a later one was released, or the rollout waits / stopped after it.
    const waiting = e.state !== 'running' || settled;
    const ended = waiting ? e.released : e.released - 1;
    // In wave order: a wave's end before the next one's start, even when one poll saw several happen.
    for (;;) {
      if (p.ended < p.started && p.ended < ended) out.push(`Wave ${++p.ended}/${total} of ${label} ended`);
      else if (p.started < e.released) {
        const w = p.started++;
        out.push(`Wave ${w + 1}/${total} of ${label} started: ${(e.waves[w] ?? []).join(', ')}`);
      } else break;
    }
  }
  return out;
}
