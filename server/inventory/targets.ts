/**
 * Resolves the target patterns of a submission (`--target`, entries' `targets:`, jobs' `assign:`)
 * into identities, before the plan (and before its unknown-target check). A plain name that is
 * neither a host nor a group stays as written, so that check (or the plan's "Target unknown")
 * reports it as it always did; a real pattern that matches nothing is an error naming the
 * closest host and group names. The resolved submission records where patterns were used, so a
 * re-run uses the same hosts and "re-run on current inventory" can resolve them again.
 */
import type { RunSubmission, TargetPatterns } from '../../protocol/jobs.js';
import { parsePattern } from '../../protocol/inventory/pattern.js';
import { resolveTerms, type InventoryIndex } from '../../protocol/inventory/resolve.js';
import { fail, ok, type ErrorLocation, type Result } from '../../protocol/result.js';

const IDENTITY = /^[A-Za-z0-9_.:@-]{1,253}$/;

/** One list of targets: each element a pattern, the union in natural order. */
export function resolveTargetList(
  list: readonly string[],
  index: InventoryIndex | null,
  field: string,
): Result<{ hosts: string[]; patterned: boolean }> {
  const hosts: string[] = [];
  const seen = new Set<string>();
  let patterned = false;
  const add = (h: string) => {
    if (seen.has(h)) return;
    seen.add(h);
    hosts.push(h);
  };
  for (const pattern of list) {
    const terms = parsePattern(pattern);
    if (!terms.ok) return { ok: false, error: { ...terms.error, location: { field } } };
    const only = terms.value.length === 1 ? terms.value[0] : undefined;
    const plain = only && only.op === 'union' && !only.slice && only.atom.kind === 'name' ? only.atom.name : null;
    if (
      plain !== null &&
      (!index || (index.hosts.has(plain) && !index.groupNames.includes(plain)) || (!index.hosts.has(plain) && !index.members(plain)))
    ) {
      if (!IDENTITY.test(plain)) return fail('unknown-target', `"${plain}" is not a host name`, { location: { field } });
      add(plain);
      continue;
    }
    if (!index)
      return fail('invalid-pattern', `target pattern "${pattern}" needs the inventory, which this server does not have`, {
        location: { field },
      });
    patterned = true;
    const resolved = resolveTerms(pattern, terms.value, index);
    if (!resolved.ok) return { ok: false, error: { ...resolved.error, location: { field } as ErrorLocation } };
    for (const h of resolved.value.hosts) add(h);
  }
  return ok({ hosts, patterned });
}

/** The submission with every pattern resolved, and `targetPatterns` saying where they were. */
export function resolveSubmissionTargets(submission: RunSubmission, index: InventoryIndex | null): Result<RunSubmission> {
  const patterns: TargetPatterns[number][] = [];
  const resolve = (list: readonly string[] | undefined, at: string): Result<string[] | undefined> => {
    if (!list?.length) return ok(list ? [...list] : undefined);
    const r = resolveTargetList(list, index, at);
    if (!r.ok) return r;
    if (r.value.patterned) patterns.push({ at, patterns: [...list] });
    return ok(r.value.hosts);
  };
  const targets = resolve(submission.targets, 'targets');
  if (!targets.ok) return targets;
  const entries = [];
  for (const [e, entry] of submission.entries.entries()) {
    const et = resolve(entry.targets, `entries[${e}].targets`);
    if (!et.ok) return et;
    const jobs = [];
    for (const [j, job] of entry.jobs.entries()) {
      const assign = resolve(job.assign, `entries[${e}].jobs[${j}].assign`);
      if (!assign.ok) return assign;
      jobs.push(assign.value ? { ...job, assign: assign.value } : job);
    }
    entries.push({ ...entry, ...(et.value ? { targets: et.value } : {}), jobs });
  }
  // A re-run on the same hosts names identities only: it keeps the patterns they came from.
  const { targetPatterns: earlier, ...rest } = submission;
  const kept = patterns.length ? patterns : earlier;
  return ok({
    ...rest,
    ...(targets.value ? { targets: targets.value } : {}),
    entries,
    ...(kept?.length ? { targetPatterns: kept } : {}),
  });
}

/** The submission as written: its patterns put back where they were (re-run on current inventory). */
export function unresolvedSubmission(submission: RunSubmission): RunSubmission {
  const { targetPatterns, ...rest } = submission;
  if (!targetPatterns?.length) return rest;
  const at = new Map(targetPatterns.map((p) => [p.at, p.patterns]));
  return {
    ...rest,
    ...(at.has('targets') ? { targets: at.get('targets') } : {}),
    entries: rest.entries.map((entry, e) => ({
      ...entry,
      ...(at.has(`entries[${e}].targets`) ? { targets: at.get(`entries[${e}].targets`) } : {}),
      jobs: entry.jobs.map((job, j) =>
        at.has(`entries[${e}].jobs[${j}].assign`) ? { ...job, assign: at.get(`entries[${e}].jobs[${j}].assign`) } : job,
      ),
    })),
  };
}

/** How History shows where a run's targets came from: its patterns, joined. */
export function patternSummary(targetPatterns: TargetPatterns | undefined): string | null {
  if (!targetPatterns?.length) return null;
  return [...new Set(targetPatterns.map((p) => p.patterns.join(', ')))].join(' | ');
}
