/** Builds the submission of a re-run from a stored run: all of it, or only what did not succeed. */
import type { EntrySubmission, RunSubmission } from '../../protocol/jobs.js';
import { RunSubmissionSchema } from '../../protocol/jobs.js';
import type { JobRecord } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { SqlRun } from './jobs.rows.js';

const submissionValidator = compileValidator(RunSubmissionSchema);

export function rerunSubmission(run: SqlRun, jobs: readonly JobRecord[], failedOnly: boolean, requestedBy: string): Result<RunSubmission> {
  let stored: unknown;
  try {
    stored = JSON.parse(run.submission);
  } catch {
    stored = null;
  }
  const parsed = submissionValidator.parse(stored, `stored submission of run ${run.run_id}`);
  if (!parsed.ok) return fail('conflict', `run ${run.run_id} cannot be re-run: its stored submission is unreadable`);
  const base: RunSubmission = {
    ...parsed.value,
    ...(run.source_text !== null ? { sourceText: run.source_text } : {}),
    requestedBy,
    rerunOf: run.run_id,
  };
  if (!failedOnly) return ok(base);
  const flat = base.entries.flatMap((e) => e.jobs);
  if (flat.length !== jobs.length)
    return fail('conflict', `run ${run.run_id} cannot be re-run by failed targets: its jobs do not match its submission`);
  let index = 0;
  const entries: EntrySubmission[] = [];
  for (const entry of base.entries) {
    const kept = entry.jobs.flatMap((job) => {
      const record = jobs[index++];
      const failed = record ? record.targets.filter((t) => t.state !== 'succeeded').map((t) => t.target) : [];
      return failed.length ? [{ ...job, assign: failed }] : [];
    });
    if (kept.length) entries.push({ ...entry, jobs: kept });
  }
  if (!entries.length) return fail('conflict', `nothing to re-run: every target of run ${run.run_id} succeeded`);
  const { restrict: _restrict, ...rest } = base;
  return ok({ ...rest, entries });
}
