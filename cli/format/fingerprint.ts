/**
 * `orchestrate --finger-print` (spec 2.4): count, parent (name, else parent SHA), verb, exec
 * (the raw job string, cut to 27 characters plus `...` when it has 30 or more), job (name,
 * else job SHA). Targets are not shown.
 */
import { tabulate } from './table.js';

export type FingerprintRow = Readonly<{ parent: string; verb: string; exec: string; job: string }>;

export function truncateExec(exec: string): string {
  return [...exec].length >= 30 ? [...exec].slice(0, 27).join('') + '...' : exec;
}

export function renderFingerprint(rows: readonly FingerprintRow[]): string {
  return tabulate(
    ['count', 'parent', 'verb', 'exec', 'job'],
    rows.map((row, count) => [count, row.parent, row.verb, truncateExec(row.exec), row.job]),
  );
}
