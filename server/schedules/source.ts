/**
 * The submission a schedule or trigger starts: its Library item's (or stored file's) orchestration,
 * the item's attached ADD/COPY files by SOURCE pattern, the target pattern as `--target` sends it,
 * and the run's vars on every job. Requested by `schedule:NAME` / `trigger:NAME`.
 */
import { loadOrchestration } from '../../components/orchestration.js';
import type { Component } from '../../components/define.js';
import { jobSourcePatterns } from '../../components/sources.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { LibraryAttachment } from '../../protocol/ui-events.js';
import type { AutomationSourceRow, LibraryStore } from '../store/types.js';

export type SourceDeps = Readonly<{ library: Pick<LibraryStore, 'get'>; lookup?: (verb: string) => Component | undefined }>;

export type RunOptions = Readonly<{ target: string | null; vars: Readonly<Record<string, unknown>>; requestedBy: string }>;

/**
 * A schedule fire or trigger request whose run was refused because its Library item is still
 * running: notified as a failed run would be (notify.service.ts `notStarted`).
 */
export type NotStarted = Readonly<{
  libraryId: string | null;
  source: string;
  requestedBy: string;
  reason: string;
  runningRunId: string | null;
  at: number;
}>;

/** The running run named by an `already-running` refusal. */
export function runningRunOf(error: Readonly<{ details?: unknown }>): string | null {
  const runId = (error.details as { runId?: unknown } | undefined)?.runId;
  return typeof runId === 'string' ? runId : null;
}

/** `library:NAME` or `file:PATH`, as listings show it. */
export async function describeSource(row: AutomationSourceRow, library: Pick<LibraryStore, 'get'>): Promise<string> {
  if (row.libraryId) return `library:${(await library.get(row.libraryId))?.name ?? row.libraryId}`;
  return `file:${row.file ?? ''}`;
}

export async function automationSubmission(
  row: AutomationSourceRow,
  options: RunOptions,
  deps: SourceDeps,
): Promise<Result<RunSubmission>> {
  let text: string;
  let source: string;
  let attachments: readonly LibraryAttachment[] = [];
  if (row.libraryId) {
    const item = await deps.library.get(row.libraryId);
    if (!item) return fail('not-found', `the Library item ${row.libraryId} is gone`);
    text = item.yaml;
    source = `library:${item.name}`;
    attachments = item.attachments;
  } else {
    text = row.fileText ?? '';
    source = row.file ?? 'file';
  }
  const loaded = loadOrchestration(text, source);
  if (!loaded.ok) return loaded;
  const byPattern = new Map(attachments.map((a) => [a.pattern, a.files]));
  const hasVars = Object.keys(options.vars).length > 0;
  const entries = loaded.value.entries.map((entry) => ({
    ...entry,
    jobs: entry.jobs.map((job) => {
      const withVars = hasVars ? { ...job, vars: { ...job.vars, ...options.vars } } : job;
      if (!byPattern.size || job.files) return withVars;
      const patterns = jobSourcePatterns(deps.lookup?.(job.verb), withVars);
      if (!patterns) return withVars;
      const files = patterns.flatMap((p) => byPattern.get(p) ?? []);
      return files.length ? { ...withVars, files } : withVars;
    }),
  }));
  return ok({
    kind: 'orchestrate',
    source,
    sourceText: text,
    entries,
    ...(options.target ? { targets: [options.target] } : {}),
    requestedBy: options.requestedBy,
    // The run is of the item: refused while another run of it is open (unless the item allows it).
    ...(row.libraryId ? { libraryId: row.libraryId } : {}),
  });
}
