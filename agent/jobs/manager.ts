/**
 * The agent's job intake: validates `job:dispatch` payloads (the wire is untrusted), drops jobs
 * it has already been given, routes them to queues, handles QUEUESENTINEL on receipt,
 * `job:cancel`, and jobs left running by a previous agent process.
 */
import { DispatchedJobSchema, type DispatchedJob, type OutputEvent } from '../../protocol/jobs.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import { LIMITS } from '../../protocol/version.js';
import { JobAbort } from './abort.js';
import { defaultMaxQueues, JobQueues } from './queues.js';
import { finishedEvent, reportNotRun, runJob } from './run-job.js';
import type { HeldJob, JobDeps } from './types.js';

const validJob = compileValidator(DispatchedJobSchema);
/** How long `close()` waits for aborted jobs to report before giving up on them. */
const CLOSE_WAIT_MS = 3000;

export type JobManagerOptions = Readonly<{ maxQueues?: number; cores: number }>;

export class JobManager {
  private readonly deps: JobDeps;
  private readonly queues: JobQueues;
  private readonly running = new Map<string, HeldJob>();
  private completed = 0;
  private closing = false;

  constructor(deps: JobDeps, options: JobManagerOptions) {
    this.deps = deps;
    this.queues = new JobQueues({
      run: (held) => this.runHeld(held),
      maxQueues: options.maxQueues ?? defaultMaxQueues(options.cores),
      onError: (error, held) => {
        deps.log.error('job runner crashed', {
          jobId: held.job.jobId,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        if (held.state !== 'done') reportNotRun(deps, held.job.jobId, 'failed', `Job [ ${held.job.jobId} ] agent error: ${String(error)}`);
        held.state = 'done';
      },
    });
    this.reportInterrupted();
  }

  /** Handles one `job:dispatch` payload; returns how many new jobs were queued. */
  dispatch(payload: unknown): Result<{ accepted: number }> {
    if (this.closing) return fail('agent-offline', 'agent is shutting down');
    if (!Array.isArray(payload)) return fail('invalid-payload', 'job:dispatch: expected an array of jobs');
    if (payload.length > LIMITS.maxJobsPerSubmit)
      return fail('too-large', `job:dispatch: at most ${LIMITS.maxJobsPerSubmit} jobs per call`);
    let accepted = 0;
    const invalid: string[] = [];
    for (const item of payload) {
      const parsed = validJob.parse(item, 'dispatched job');
      if (!parsed.ok) {
        const jobId = (item as { jobId?: unknown } | null)?.jobId;
        invalid.push(parsed.error.message);
        if (typeof jobId === 'string' && jobId && jobId.length <= 128 && !this.deps.cache.seen(jobId)) {
          reportNotRun(this.deps, jobId, 'failed', `Job [ ${jobId} ] refused by the agent: ${parsed.error.message}`);
        }
        continue;
      }
      if (this.accept(parsed.value)) accepted += 1;
    }
    if (invalid.length) this.deps.log.warn('refused invalid dispatched jobs', { count: invalid.length, first: invalid[0] });
    return ok({ accepted });
  }

  /** `job:cancel`: queued jobs are dropped and reported cancelled; running ones are killed. */
  cancel(jobIds: unknown): void {
    if (!Array.isArray(jobIds)) return;
    for (const id of jobIds) {
      if (typeof id !== 'string') continue;
      const queued = this.queues.remove(id);
      if (queued) {
        queued.state = 'done';
        reportNotRun(this.deps, id, 'cancelled', 'Job cancelled before it ran');
        continue;
      }
      this.running.get(id)?.abort.abort('cancel');
    }
  }

  /** Job ids queued or running (for `agent:hello`). */
  activeJobIds(): string[] {
    return [...this.running.keys(), ...this.queues.queuedJobs().map((h) => h.job.jobId)];
  }

  /** Jobs are waiting behind the running ones. */
  hasQueued(): boolean {
    return this.queues.queuedCount() > 0;
  }

  stats(): Readonly<{ running: number; queued: number; completed: number }> {
    return { running: this.running.size, queued: this.queues.queuedCount(), completed: this.completed };
  }

  /** Stops starting jobs, aborts running ones (their results go to the outbox) and waits briefly. */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = this.queues.stop();
    for (const held of this.running.values()) held.abort.abort('shutdown');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private accept(job: DispatchedJob): boolean {
    if (this.deps.cache.seen(job.jobId) || this.running.has(job.jobId)) return false;
    this.deps.cache.markSeen(job.jobId, 'q');
    const held: HeldJob = { job, abort: new JobAbort(), state: 'queued' };
    if (job.verb === 'QUEUESENTINEL') {
      for (const omitted of this.queues.purgePending()) {
        omitted.state = 'done';
        reportNotRun(this.deps, omitted.job.jobId, 'failed', `Omitted due to sentinel from ${job.jobId}`);
      }
      this.queues.bypass(held);
    } else if (job.args.parent_async_bypass === true) {
      this.queues.bypass(held);
    } else {
      this.queues.enqueue(held);
    }
    return true;
  }

  private async runHeld(held: HeldJob): Promise<void> {
    held.state = 'running';
    this.running.set(held.job.jobId, held);
    try {
      await runJob(this.deps, held);
    } finally {
      held.state = 'done';
      this.running.delete(held.job.jobId);
      this.completed += 1;
    }
  }

  /** Jobs that were running when the previous agent process stopped: their outcome is unknown. */
  private reportInterrupted(): void {
    const ids = this.deps.cache.interruptedAtLoad;
    if (ids.length === 0) return;
    const counts = new Map<string, { stdout: number; stderr: number }>();
    for (const event of this.deps.outbox.pendingEvents()) {
      if (event.type !== 'output') continue;
      const c = counts.get(event.jobId) ?? { stdout: 0, stderr: 0 };
      c[(event as OutputEvent).stream] = Math.max(c[event.stream], event.seq + 1);
      counts.set(event.jobId, c);
    }
    const now = Date.now();
    for (const jobId of ids) {
      const c = counts.get(jobId);
      this.deps.outbox.push(
        finishedEvent(jobId, {
          outcome: 'failed',
          info: `Job [ ${jobId} ] was interrupted: the agent stopped while it was running; its outcome is unknown`,
          startedAt: now,
          finishedAt: now,
          chunks: { stdoutChunks: c?.stdout ?? 0, stderrChunks: c?.stderr ?? 0 },
        }),
      );
      this.deps.cache.markSeen(jobId, 'd');
    }
    this.deps.log.warn('reported jobs interrupted by the previous agent stop', { count: ids.length });
  }
}
