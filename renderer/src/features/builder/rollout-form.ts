/** The Deploy dialog's Rollout section → YAML edits of every entry (pure, tested). */
import type { DocEdit } from '../yaml/edits.js';

export type RolloutForm = { serial: string; maxFail: string | number; pause: string | number; approve: boolean };

const SIZE = /^(?:[1-9][0-9]*|(?:100|[1-9]?[0-9](?:\.[0-9]+)?)%)$/;

/** `serial` is `1`, `25%` or a list `1, 25%, 50%`; empty fields leave the entries' own keys alone. */
export function rolloutEdits(form: RolloutForm, entries: number): { ok: true; value: DocEdit[] } | { ok: false; message: string } {
  const edits: DocEdit[] = [];
  const each = (key: 'serial' | 'max_fail_percentage' | 'pause' | 'approve', value: string | number | boolean | (string | number)[]) => {
    for (let index = 0; index < entries; index++) edits.push({ kind: 'set-entry-rollout', index, key, value });
  };
  const serial = form.serial.trim();
  if (serial) {
    const parts = serial.split(',').map((s) => s.trim());
    if (!parts.every((p) => SIZE.test(p)))
      return { ok: false, message: 'Serial: a host count (1), a percentage (25%) or a list of them (1, 25%, 50%)' };
    const sizes = parts.map((p) => (p.endsWith('%') ? p : Number(p)));
    each('serial', sizes.length === 1 ? (sizes[0] as string | number) : sizes);
  }
  const maxFail = String(form.maxFail ?? '').trim();
  if (maxFail) {
    const n = Number(maxFail);
    if (!(n >= 0 && n <= 100)) return { ok: false, message: 'Max fail %: a number from 0 to 100' };
    each('max_fail_percentage', n);
  }
  const pause = String(form.pause ?? '').trim();
  if (pause) {
    const n = Number(pause);
    if (!(n >= 0 && n <= 604800)) return { ok: false, message: 'Pause: seconds from 0 to 604800' };
    each('pause', n);
  }
  if (form.approve) each('approve', true);
  return { ok: true, value: edits };
}
