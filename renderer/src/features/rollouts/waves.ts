/** The wave strip's model (pure): each wave's hosts and state, and what an operator may do. */
import type { EntryRollout, RunRollout, WaveState } from '#protocol/rollouts.js';

export type WaveView = Readonly<{ index: number; hosts: readonly string[]; state: WaveState }>;

export function wavesOf(entry: EntryRollout): WaveView[] {
  const finished = entry.state === 'running' ? entry.released - 1 : entry.released;
  return entry.waves.map((hosts, index) => ({
    index,
    hosts,
    state: index < finished || entry.state === 'done' ? 'done' : index < entry.released ? 'running' : 'pending',
  }));
}

export function actionsOf(rollout: RunRollout | null): { approve: boolean; resume: boolean; retry: boolean; abort: boolean } {
  const states = new Set(rollout?.entries.map((e) => e.state) ?? []);
  const open = states.has('running') || states.has('paused') || states.has('awaiting-approval') || states.has('halted');
  return { approve: states.has('awaiting-approval'), resume: states.has('halted'), retry: states.has('halted'), abort: open };
}

export function haltText(entry: EntryRollout): string {
  const r = entry.haltReason;
  if (!r) return '';
  return `Halted after wave ${r.wave + 1}: ${r.failed} of ${r.total} hosts failed (${r.hosts.join(', ')}), above max_fail_percentage ${r.maxFailPercentage}.`;
}
