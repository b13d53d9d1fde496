/**
 * `exec`'s rollout flags (issue #17): `--serial N|P%|N,P%,…`, `--max-fail-percentage P`,
 * `--pause S`, `--approve`, `--order shuffle|inventory`, `--concurrency N`. An exec is one entry,
 * so each flag becomes that entry's key, read by the very parser the orchestration loader uses
 * for the YAML keys (components/rollout-keys.ts): the same values are accepted, the same refused,
 * and the error names the flag instead of the key.
 */
import type { EntrySubmission } from '../../protocol/jobs.js';
import { CliError, EXIT } from '../errors.js';

export type RolloutFlags = Readonly<{
  serial?: string;
  maxFailPercentage?: string;
  pause?: string;
  approve?: boolean;
  order?: string;
  concurrency?: string;
}>;

type RolloutFields = Pick<EntrySubmission, 'serial' | 'order' | 'maxFailPercentage' | 'pause' | 'approve' | 'concurrency'>;

/** Flag → the entry key the loader knows. */
const KEYS: ReadonlyArray<readonly [keyof RolloutFlags, string, string]> = [
  ['serial', 'serial', '--serial'],
  ['maxFailPercentage', 'max_fail_percentage', '--max-fail-percentage'],
  ['pause', 'pause', '--pause'],
  ['approve', 'approve', '--approve'],
  ['order', 'order', '--order'],
  ['concurrency', 'concurrency', '--concurrency'],
];

export function hasRolloutFlags(flags: RolloutFlags): boolean {
  return KEYS.some(([k]) => flags[k] !== undefined);
}

/**
 * The entry keys of the flags given; throws a usage error naming the flag. Loaded only when a
 * flag is given (it brings the YAML nodes the shared parser reads).
 */
export async function rolloutEntryKeys(flags: RolloutFlags): Promise<RolloutFields> {
  const [{ Scalar, YAMLSeq }, { rolloutKey }] = await Promise.all([import('yaml'), import('../../components/rollout-keys.js')]);
  // A number where the text is one, as YAML would read `serial: 1` (and "25%" stays a string).
  const scalar = (text: string) => new Scalar(/^-?\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : text.trim());
  const fields: RolloutFields = {};
  for (const [flag, key, name] of KEYS) {
    const value = flags[flag];
    if (value === undefined) continue;
    let node;
    if (typeof value === 'boolean') node = new Scalar(value);
    else if (flag === 'serial' && value.includes(',')) {
      const seq = new YAMLSeq();
      for (const part of value.split(',')) seq.items.push(scalar(part));
      node = seq;
    } else node = scalar(value);
    const parsed = rolloutKey(key, node, () => value === true);
    if (!parsed.ok) throw new CliError(`${name}: ${parsed.message.replace(/^[a-z_]+: /, '')} (got ${JSON.stringify(value)})`, EXIT.usage);
    Object.assign(fields, parsed.value);
  }
  return fields;
}
