/**
 * Cutting an entry's hosts into waves (pure). Sizes as Ansible's `serial`: a count, or a share of
 * all the entry's hosts (rounded down, at least 1); a list's last size repeats.
 */
import type { EntrySubmission } from '../../protocol/jobs.js';
import type { Serial, WaveSize } from '../../protocol/rollouts.js';

function sizeOf(size: WaveSize, total: number): number {
  if (typeof size === 'number') return size;
  return Math.max(1, Math.floor((total * parseFloat(size)) / 100));
}

/** Hosts in waves, in the given order. */
export function cutWaves(hosts: readonly string[], serial: Serial): string[][] {
  const sizes = Array.isArray(serial) ? serial : [serial];
  const waves: string[][] = [];
  let at = 0;
  for (let i = 0; at < hosts.length; i++) {
    const n = sizeOf(sizes[Math.min(i, sizes.length - 1)]!, hosts.length);
    waves.push(hosts.slice(at, at + n));
    at += n;
  }
  return waves;
}

/** Fisher–Yates with an injected random source (tests pass a seeded one). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type RolloutSpec = Readonly<{
  mode: 'serial' | 'concurrency';
  waves: string[][];
  maxFailPercentage: number;
  pause: number;
  approve: boolean;
  concurrency: number | null;
}>;

/**
 * The rollout of one entry, or null when it runs as Directord runs it. `hosts`: the entry's
 * hosts that have work queued, in target order; `concurrency`: the submission's `--concurrency`.
 */
export function rolloutSpec(
  entry: EntrySubmission,
  hosts: readonly string[],
  concurrency: number | undefined,
  random: () => number,
): RolloutSpec | null {
  if (!hosts.length) return null;
  const ordered = entry.order === 'shuffle' ? shuffled(hosts, random) : [...hosts];
  if (entry.serial !== undefined) {
    return {
      mode: 'serial',
      waves: cutWaves(ordered, entry.serial),
      maxFailPercentage: entry.maxFailPercentage ?? 0,
      pause: entry.pause ?? 0,
      approve: entry.approve === true,
      concurrency: null,
    };
  }
  const cap = entry.concurrency ?? concurrency;
  if (cap !== undefined && cap < ordered.length) {
    // One host per wave; up to `cap` waves run at once (a sliding window, no halting).
    return { mode: 'concurrency', waves: ordered.map((h) => [h]), maxFailPercentage: 100, pause: 0, approve: false, concurrency: cap };
  }
  return null;
}
