/** Renderings of issue #15's history reads: job pages, a host's runs, output search hits. Pure. */
import type { HostHistory, JobSummary, OutputHit } from '../../protocol/records.js';
import type { Cell } from './table.js';
import { fixed8, formatTimestamp, renderReport } from './keyvalue.js';

/** `--list-jobs` from a page of job summaries: Directord's columns, oldest first; FAILED counts cancelled too (as Directord's list). */
export function renderJobSummaries(jobs: readonly JobSummary[]): string {
  const rows = [...jobs]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((job): Cell[] => [
      job.jobId,
      job.parentName ?? job.parentId,
      job.verb,
      job.counts.executionTime === null ? 0 : fixed8(job.counts.executionTime),
      job.counts.open > 0 ? 'True' : 'False',
      job.counts.succeeded,
      job.counts.failed + job.counts.cancelled,
    ]);
  return renderReport(['ID', 'PARENT_JOB_NAME', 'VERB', 'EXECUTION_TIME', 'PROCESSING', 'SUCCESS', 'FAILED'], rows);
}

/** The line after a page that is not the last: how to see the older jobs. */
export function moreJobsHint(shown: number, next: string): string {
  return `Showing the newest ${shown} jobs. Older ones: directord manage --list-jobs --after ${next} [--limit N]`;
}

/** `--host-history NAME`: the host's runs, newest first. */
export function renderHostHistory(history: HostHistory): string {
  const rows = history.runs.map((r): Cell[] => [
    r.runId,
    formatTimestamp(r.createdAt),
    r.source ?? r.kind,
    r.status,
    r.targets,
    r.succeeded,
    r.failed + r.cancelled,
    r.open > 0 ? 'True' : 'False',
  ]);
  return renderReport(['RUN_ID', 'CREATED', 'SOURCE', 'STATUS', 'JOBS', 'SUCCESS', 'FAILED', 'PROCESSING'], rows);
}

export function moreHostRunsHint(name: string, next: string): string {
  return `Older runs: directord manage --host-history ${name} --after ${next} [--limit N]`;
}

/** `--search-output`: one matching line per row, grep-like: run, job, host, stream:line: text. */
export function renderOutputHits(hits: readonly OutputHit[]): string {
  return hits.map((h) => `${h.runId} ${h.jobId} ${h.target} ${h.stream}:${h.line}: ${h.text}\n`).join('');
}
