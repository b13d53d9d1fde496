/**
 * What `--poll`, `--wait` and `--stream` print once jobs settle (spec 2.4):
 * `Job Success: <id>`, `Job Degrated: <id>` (sic, users grep it), `Job Skipped: <id>`,
 * `Job in an unknown state: <id>`, the per-node `--stream` blocks, `FAILED JOBS`, and the
 * `--wait` spinner.
 */
import type { JobRecord } from '../../protocol/records.js';
import { isFailed, isFinal } from './states.js';
import { isTTY, line, write } from '../output.js';

export type Outcome = 'success' | 'degraded' | 'skipped' | 'unknown';

/**
 * The outcome of one job as seen after `jobs:await` returned:
 * - any target failed (failed, timed out, lost, cancelled) → degraded;
 * - every target final and none failed → success;
 * - not sent at all (`--restrict` filter) → skipped;
 * - some target answered but not all within the poll timeout → skipped (Directord's rule);
 * - no record, or nobody answered → unknown.
 */
export function jobOutcome(job: JobRecord | undefined): Outcome {
  if (!job) return 'unknown';
  if (job.targets.some(isFailed)) return 'degraded';
  if (job.skippedReason !== null) return 'skipped';
  if (job.targets.length === 0) return 'unknown';
  if (job.targets.every(isFinal)) return 'success';
  if (job.targets.some((t) => t.state === 'running' || isFinal(t))) return 'skipped';
  return 'unknown';
}

/** True when the job did not settle within the poll timeout (counts as a failure with `--check`). */
export function unsettled(job: JobRecord | undefined): boolean {
  if (!job) return true;
  if (job.skippedReason !== null) return false;
  return job.targets.length === 0 || !job.targets.every(isFinal);
}

export function statusLine(outcome: Outcome, jobId: string): string {
  switch (outcome) {
    case 'success':
      return `Job Success: ${jobId}`;
    case 'degraded':
      return `Job Degrated: ${jobId}`;
    case 'skipped':
      return `Job Skipped: ${jobId}`;
    case 'unknown':
      return `Job in an unknown state: ${jobId}`;
  }
}

export type NodeOutput = Readonly<{ target: string; stdout: string; stderr: string }>;

/**
 * `--stream`: for each node (sorted), `<node> -- STDOUT`, its output, `<node> -- STDERR`, its
 * output. Output is shown without trailing whitespace (Directord strips it); a node without
 * output shows an empty line where Directord printed `None`.
 */
export function streamBlock(outputs: readonly NodeOutput[]): string {
  let text = '';
  for (const o of [...outputs].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    text += `${o.target} -- STDOUT\n${o.stdout.trimEnd()}\n${o.target} -- STDERR\n${o.stderr.trimEnd()}\n`;
  }
  return text;
}

export function failedJobsBlock(jobIds: readonly string[]): string {
  return jobIds.length ? `FAILED JOBS\n${jobIds.map((id) => id + '\n').join('')}` : '';
}

const FRAMES = ['|', '/', '-', '\\'];

/**
 * `--wait`: `\r[ | ] Please wait... ` cycling every 0.1 s while jobs run; each status line
 * replaces the message; `Done.` at the end. Off a terminal only the lines and `Done.` are written.
 */
export class Spinner {
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly animate: boolean;

  constructor(animate = isTTY()) {
    this.animate = animate;
  }

  start(): void {
    if (!this.animate || this.timer) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
  }

  /** Replaces the spinner message with a finished line. */
  print(text: string): void {
    if (this.animate) write('\r\x1b[K');
    line(text);
    if (this.timer) this.draw();
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.animate) write('\r\x1b[K');
    line('Done.');
  }

  private draw(): void {
    write(`\r[ ${FRAMES[this.frame % FRAMES.length]} ] Please wait... `);
    this.frame++;
  }
}
