/**
 * The host pattern of the Run a command box (pure, tested): empty or `all` is every online host;
 * otherwise a comma (or space) separated list of host names. A richer inventory pattern language
 * comes later; until then anything else is refused with the closest known names.
 */
import { describeUnknown } from '#protocol/names.js';
import { hostList } from '../../lib/util/hosts.js';

export type PatternResult = Readonly<{ ok: true; hosts: readonly string[]; all: boolean }> | Readonly<{ ok: false; message: string }>;

export type HostNames = Readonly<{ online: readonly string[]; known: readonly string[] }>;

export function resolveHostPattern(pattern: string, hosts: HostNames): PatternResult {
  const names = [...new Set(pattern.split(/[\s,]+/).filter(Boolean))];
  if (names.length === 0 || (names.length === 1 && names[0]?.toLowerCase() === 'all')) {
    return hosts.online.length
      ? { ok: true, hosts: hosts.online, all: true }
      : { ok: false, message: hosts.known.length ? 'No host is online' : 'No hosts yet' };
  }
  if (names.some((n) => n.toLowerCase() === 'all')) return { ok: false, message: '“all” stands alone: all hosts, or a list of host names' };
  const unknown = names.filter((n) => !hosts.known.includes(n));
  if (unknown.length)
    return { ok: false, message: `Unknown host${unknown.length > 1 ? 's' : ''}: ${describeUnknown(unknown, hosts.known)}` };
  const offline = names.filter((n) => !hosts.online.includes(n));
  if (offline.length) return { ok: false, message: `Offline: ${hostList(offline)}` };
  return { ok: true, hosts: names, all: false };
}
