/**
 * The rollout keys of an orchestration entry (issue #17): `serial`, `order`,
 * `max_fail_percentage`, `pause`, `approve`, `concurrency`. Our extension to Directord's format;
 * they are kept in the YAML as written, so a file round-trips through import and export.
 */
import { isScalar, isSeq, type Node } from 'yaml';
import type { EntrySubmission } from '../protocol/jobs.js';

export const ROLLOUT_KEYS: ReadonlySet<string> = new Set(['serial', 'order', 'max_fail_percentage', 'pause', 'approve', 'concurrency']);

type RolloutFields = Pick<EntrySubmission, 'serial' | 'order' | 'maxFailPercentage' | 'pause' | 'approve' | 'concurrency'>;
type Parsed = { ok: true; value: RolloutFields } | { ok: false; message: string };

const PERCENT = /^(?:100|[1-9]?[0-9](?:\.[0-9]+)?)%$/;

function waveSize(node: Node | null): number | string | null {
  if (!isScalar(node)) return null;
  const v = node.value;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100_000) return v;
  if (typeof v === 'string' && PERCENT.test(v.trim()) && parseFloat(v) > 0) return v.trim();
  return null;
}

function number(node: Node | null, min: number, max: number, integer: boolean): number | null {
  if (!isScalar(node) || typeof node.value !== 'number') return null;
  const v = node.value;
  return v >= min && v <= max && (!integer || Number.isInteger(v)) ? v : null;
}

/** Parses one rollout key; `bool` reads a YAML 1.1 boolean as the loader does for `async`. */
export function rolloutKey(key: string, node: Node | null, bool: (node: Node | null) => boolean): Parsed {
  const bad = (expected: string): Parsed => ({ ok: false, message: `${key}: expected ${expected}` });
  switch (key) {
    case 'serial': {
      if (isSeq(node)) {
        const items = (node.items as (Node | null)[]).map(waveSize);
        if (!items.length || items.length > 100 || items.some((i) => i === null))
          return bad('a list of host counts (1) or percentages ("25%")');
        return { ok: true, value: { serial: items as (number | string)[] } };
      }
      const size = waveSize(node);
      return size === null ? bad('a host count (1), a percentage ("25%") or a list of them') : { ok: true, value: { serial: size } };
    }
    case 'order': {
      const v = isScalar(node) ? node.value : null;
      return v === 'shuffle' || v === 'inventory' ? { ok: true, value: { order: v } } : bad('shuffle or inventory');
    }
    case 'max_fail_percentage': {
      const v = number(node, 0, 100, false);
      return v === null ? bad('a number from 0 to 100') : { ok: true, value: { maxFailPercentage: v } };
    }
    case 'pause': {
      const v = number(node, 0, 7 * 24 * 3600, false);
      return v === null ? bad('seconds (a number from 0 to 604800)') : { ok: true, value: { pause: v } };
    }
    case 'approve':
      try {
        return { ok: true, value: { approve: bool(node) } };
      } catch {
        return bad('true or false');
      }
    case 'concurrency': {
      const v = number(node, 1, 100_000, true);
      return v === null ? bad('a whole number of hosts (1 or more)') : { ok: true, value: { concurrency: v } };
    }
    default:
      return { ok: false, message: `unknown rollout key ${key}` };
  }
}
