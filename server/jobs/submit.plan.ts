/**
 * Turns a RunSubmission into a plan — every job parsed, its targets resolved — or the first
 * error, before anything is stored (Directord submitted jobs 1..N-1 when job N was bad; spec 1.3).
 * Pure apart from the injected id source; the jobs service stores and dispatches the plan.
 */
import type { Component } from '../../components/define.js';
import { jobSha, type ParsedJob } from '../../components/parse.js';
import type { DispatchedJob, JobSubmission, RunSubmission } from '../../protocol/jobs.js';
import type { TargetRecord } from '../../protocol/records.js';
import { fail, ok, type ErrorLocation, type Result } from '../../protocol/result.js';
import { LIMITS } from '../../protocol/version.js';
import { closestNames, describeUnknown } from '../../protocol/names.js';

export type PlanDeps = Readonly<{
  lookup: (verb: string) => Component | undefined;
  knownVerbs: () => readonly string[];
  parse: (component: Component, text: string, vars?: Readonly<Record<string, unknown>>) => Result<ParsedJob>;
  /** Identities connected now, sorted (the default targets). */
  online: readonly string[];
  isKnown: (identity: string) => boolean;
  /** Every registered identity, for "closest: …" hints on an unknown target (default: `online`). */
  knownIdentities?: () => readonly string[];
  /** Away after a REBOOT: its jobs wait for it instead of failing as offline. */
  isRebooting?: (identity: string) => boolean;
  /** Whether the server holds this blob (ADD/COPY sources must be uploaded before the job). */
  hasBlob?: (sha: string) => boolean;
  newId: () => string;
  now: number;
}>;

export type PlannedJob = Readonly<{
  job: DispatchedJob;
  text: string;
  parentSha: string | null;
  runOnce: boolean;
  skippedReason: string | null;
  targets: readonly TargetRecord[];
  /** Blobs (ADD/COPY source contents) the job's agents may fetch. */
  blobs: readonly string[];
}>;

export type Plan = Readonly<{ runId: string; jobs: readonly PlannedJob[] }>;

/** Largest number of (job, target) rows one submission may create. */
export const MAX_TARGET_ROWS = 1_000_000;

const unique = (xs: readonly string[]) => [...new Set(xs)];
const given = (xs: readonly string[] | undefined) => (xs && xs.length ? xs : undefined);

function where(submission: RunSubmission, job: JobSubmission, field: string, inner?: ErrorLocation): ErrorLocation {
  return {
    ...(submission.source && !submission.source.includes(',') ? { file: submission.source } : {}),
    ...(job.location ? { line: job.location.line, column: job.location.column } : {}),
    field: inner?.field ? `${field}.${inner.field}` : field,
  };
}

function targetRecord(target: string, now: number, failure: string | null): TargetRecord {
  return {
    target,
    state: failure ? 'failed' : 'queued',
    info: failure,
    exitCode: null,
    cached: false,
    queuedAt: now,
    dispatchedAt: null,
    startedAt: null,
    finishedAt: failure ? now : null,
    executionTime: null,
    roundtripTime: null,
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
  };
}

/** Details of an `unknown-target` error: the names no agent ever had, and the nearest known ones. */
export type UnknownTargets = Readonly<{ unknown: readonly string[]; closest: Readonly<Record<string, readonly string[]>> }>;

/**
 * Names a job would run on that no agent has ever had (not online, not registered, not away for a
 * REBOOT): a typo would otherwise be accepted and fail on its own after the submit, while the
 * console and CLI had said "ready". Registered-but-offline hosts pass and fail alone, as before.
 */
function unknownTargets(submission: RunSubmission, deps: PlanDeps): Result<null> {
  const online = new Set(deps.online);
  const unknown: string[] = [];
  let first: { job: JobSubmission; field: string } | null = null;
  for (const [e, entry] of submission.entries.entries()) {
    for (const [j, job] of entry.jobs.entries()) {
      for (const t of given(job.assign) ?? given(submission.targets) ?? given(entry.targets) ?? []) {
        if (online.has(t) || deps.isKnown(t) || deps.isRebooting?.(t) || unknown.includes(t)) continue;
        unknown.push(t);
        first ??= { job, field: `entries[${e}].jobs[${j}].${job.verb}` };
      }
    }
  }
  if (!first) return ok(null);
  const known = deps.knownIdentities?.() ?? deps.online;
  const closest = Object.fromEntries(unknown.map((u) => [u, closestNames(u, known)]));
  const listed = known.length
    ? `known hosts: ${known.slice(0, 20).join(', ')}${known.length > 20 ? `, … (${known.length})` : ''}`
    : 'no host has connected yet';
  return fail('unknown-target', `unknown target${unknown.length > 1 ? 's' : ''} ${describeUnknown(unknown, known)}; ${listed}`, {
    location: where(submission, first.job, first.field),
    details: { unknown, closest } satisfies UnknownTargets,
  });
}

export function planSubmission(submission: RunSubmission, deps: PlanDeps): Result<Plan> {
  const total = submission.entries.reduce((n, e) => n + e.jobs.length, 0);
  if (total > LIMITS.maxJobsPerSubmit) {
    return fail('too-large', `a submission may hold at most ${LIMITS.maxJobsPerSubmit} jobs; this one has ${total}`);
  }
  const unknown = unknownTargets(submission, deps);
  if (!unknown.ok) return unknown;
  const runId = deps.newId();
  const restrict = submission.restrict ? new Set(submission.restrict) : null;
  const online = new Set(deps.online);
  const available = `[${deps.online.join(', ')}]`;
  const jobs: PlannedJob[] = [];
  let rows = 0;
  // Orchestrations repeat job strings (the comparison file is one line 1000 times): parse each once.
  const parsedOnce = new Map<string, Result<ParsedJob>>();
  const parse = (component: Component, job: JobSubmission): Result<ParsedJob> => {
    const key = `${component.verb}\0${job.text}\0${job.vars ? JSON.stringify(job.vars) : ''}`;
    let parsed = parsedOnce.get(key);
    if (!parsed) parsedOnce.set(key, (parsed = deps.parse(component, job.text, job.vars)));
    return parsed;
  };
  for (const [e, entry] of submission.entries.entries()) {
    const parentId = deps.newId();
    for (const [j, job] of entry.jobs.entries()) {
      const field = `entries[${e}].jobs[${j}].${job.verb}`;
      const component = deps.lookup(job.verb);
      if (!component) {
        return fail('unknown-verb', `unknown verb ${job.verb}; known verbs: ${deps.knownVerbs().join(', ')}`, {
          location: where(submission, job, field),
        });
      }
      const parsed = parse(component, job);
      if (!parsed.ok) {
        return { ok: false, error: { ...parsed.error, location: where(submission, job, field, parsed.error.location) } };
      }
      const p = parsed.value;
      if (p.common.exec_help) {
        return fail('invalid-job', `${component.verb}: --exec-help prints the component's help and submits nothing; run it with the CLI`, {
          location: where(submission, job, field),
        });
      }
      let fields = p.fields;
      let sha = p.sha;
      let blobs: string[] = [];
      if (component.withFiles) {
        try {
          fields = component.withFiles(p.fields, job.files ?? []);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return fail('invalid-job', message, { location: where(submission, job, field) });
        }
        blobs = [...new Set((job.files ?? []).map((f) => f.sha))];
        const missing = (job.files ?? []).find((f) => deps.hasBlob && !deps.hasBlob(f.sha));
        if (missing) {
          return fail(
            'not-found',
            `${component.verb}: the content of ${missing.name} (SHA3-224 ${missing.sha}) was not uploaded; send it with blobs:put first`,
            {
              location: where(submission, job, field),
            },
          );
        }
        sha = jobSha(component.verb, fields, p.common);
      } else if (job.files?.length) {
        return fail('invalid-job', `${component.verb} takes no files`, { location: where(submission, job, field) });
      }
      const jobId = deps.newId();
      const dispatched: DispatchedJob = {
        jobId,
        runId,
        parentId: submission.kind === 'exec' ? jobId : parentId,
        ...(entry.name !== undefined ? { parentName: entry.name } : {}),
        ...(job.name !== undefined ? { jobName: job.name } : {}),
        verb: component.verb,
        args: fields,
        sha,
        timeout: p.common.timeout,
        skipCache: p.common.skip_cache || submission.ignoreCache === true,
        parentAsync: entry.async === true || submission.forceAsync === true,
        ...(p.common.stdout_arg ? { stdoutArg: p.common.stdout_arg } : {}),
        ...(p.common.stderr_arg ? { stderrArg: p.common.stderr_arg } : {}),
        ...(Object.keys(p.templateVars).length ? { vars: p.templateVars } : {}),
      };
      const base = { job: dispatched, text: job.text, parentSha: entry.sha ?? null, runOnce: p.common.run_once, blobs };
      if (restrict && !restrict.has(sha)) {
        jobs.push({ ...base, skippedReason: 'not selected by --restrict', targets: [] });
        continue;
      }
      let targets = unique(given(job.assign) ?? given(submission.targets) ?? given(entry.targets) ?? deps.online);
      if (!targets.length) {
        return fail('no-targets', 'no agents are online and no targets were named; start an agent (`directord agent`) or pass --target', {
          location: where(submission, job, field),
        });
      }
      if (component.verb === 'QUERY') {
        // Spec 4.10: sent to every online agent; the user's targets are the ones that wait.
        const asked = unique([...targets, ...deps.online]);
        dispatched.args = { ...fields, query_nodes: asked.filter((t) => online.has(t)), query_targets: targets };
        targets = asked;
      } else if (p.common.run_once) targets = targets.slice(0, 1);
      rows += targets.length;
      if (rows > MAX_TARGET_ROWS) return fail('too-large', `a submission may create at most ${MAX_TARGET_ROWS} (job, target) pairs`);
      const records = targets.map((t) =>
        targetRecord(
          t,
          deps.now,
          online.has(t) || deps.isRebooting?.(t)
            ? null
            : `Target unknown. Available targets ${available}` + (deps.isKnown(t) ? ` (${t} is registered but offline)` : ''),
        ),
      );
      jobs.push({ ...base, skippedReason: null, targets: records });
    }
  }
  return ok({ runId, jobs });
}
