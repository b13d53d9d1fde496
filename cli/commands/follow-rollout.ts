/**
 * Follows the rollouts of submitted runs for `--poll` (issue #17): prints each wave as it starts
 * and ends, and `Rollout halted: …` (true: the caller exits non-zero) when one halts. Runs
 * without a rollout return at once.
 */
import type { RunRollout } from '../../protocol/rollouts.js';
import { REQUEST_TIMEOUT_MS, type UiClient } from '../connection.js';
import { haltLine, waveLines, type WavePrinter } from '../format/waves.js';
import { line } from '../output.js';

const EVERY_MS = 100;

export async function followRollouts(client: UiClient, runIds: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (const runId of runIds) {
    const first = await client.request('rollouts:get', REQUEST_TIMEOUT_MS, runId);
    if (!first.ok) continue;
    const printed: WavePrinter = new Map();
    let awaitingShown = -1;
    let r: RunRollout = first.value;
    for (;;) {
      const run = await client.request('runs:get', REQUEST_TIMEOUT_MS, runId);
      const settled = run.ok && !['running', 'halted', 'awaiting-approval'].includes(run.value.status);
      for (const l of waveLines(r, printed, settled)) line(l);
      const halted = r.entries.find((e) => e.state === 'halted' && e.haltReason);
      if (halted?.haltReason && !settled) {
        line(haltLine(runId, halted.name ?? `entry ${halted.entry + 1}`, halted.haltReason));
        return true;
      }
      const waiting = r.entries.find((e) => e.state === 'awaiting-approval');
      if (waiting && awaitingShown !== waiting.released) {
        awaitingShown = waiting.released;
        line(
          `Rollout awaiting approval before wave ${waiting.released + 1}/${waiting.waves.length}: run \`directord rollout approve ${runId}\``,
        );
      }
      if (settled || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, EVERY_MS));
      const next = await client.request('rollouts:get', REQUEST_TIMEOUT_MS, runId);
      if (next.ok) r = next.value;
    }
  }
  return false;
}
