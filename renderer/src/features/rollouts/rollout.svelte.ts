/**
 * The rollout of the run on screen (issue #17): fetched when the run opens and again whenever
 * its summary changes (`run:updated` carries the live rollout of a running run), plus the
 * operator's actions.
 */
import { client } from '../../lib/api/client.svelte.js';
import type { RolloutAction, RolloutActionResult, RunRollout } from '#protocol/rollouts.js';
import type { RunSummary } from '#protocol/records.js';
import type { Result } from '#protocol/result.js';

export class RolloutView {
  rollout = $state.raw<RunRollout | null>(null);
  #runId: string | null = null;
  #seen: RunSummary | null = null;

  /** Call from an effect with the run's latest summary. */
  async follow(runId: string, summary: RunSummary | null): Promise<void> {
    if (runId === this.#runId && summary === this.#seen) return;
    const changed = runId !== this.#runId;
    this.#runId = runId;
    this.#seen = summary;
    if (changed) this.rollout = null;
    if (summary?.rollout) {
      this.rollout = summary.rollout;
      return;
    }
    const r = await client.request('rollouts:get', runId);
    if (this.#runId === runId) this.rollout = r.ok ? r.value : null;
  }

  async act(action: RolloutAction): Promise<Result<RolloutActionResult>> {
    const runId = this.#runId;
    if (!runId) return { ok: false, error: { code: 'not-found', message: 'no run' } };
    const r = await client.request('rollouts:act', { runId, action });
    if (r.ok && this.#runId === runId) this.rollout = r.value.rollout;
    return r;
  }
}
