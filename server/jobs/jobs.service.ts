/**
 * The job flow: submission → stored plan → dispatch per agent; reconciliation when an agent says
 * hello; lost work when an agent expires; cancellation. Agent results are applied by
 * `events.service.ts` through the same state.
 */
import { randomUUID } from 'node:crypto';
import { isFinalState, type RunSubmission, type RunSubmitted } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { LIMITS } from '../../protocol/version.js';
import type { AgentLink } from './agent-link.js';
import type { JobsRepo, NewJob, NewRun } from './jobs.repo.js';
import type { JobsState } from './jobs.state.js';
import { emptyCounts, liveRunSummary, liveTarget, settledStatus, type LiveJob, type LiveRun, type LiveTarget } from './live.js';
import { isStorageFull, type StorageGuard } from '../util/storage.js';
import { planSubmission, type Plan, type PlanDeps } from './submit.plan.js';

export type JobsServiceDeps = Readonly<{
  repo: JobsRepo;
  state: JobsState;
  link: AgentLink;
  clock: () => number;
  log: Logger;
  heartbeatIntervalMs: number;
  components: Pick<PlanDeps, 'lookup' | 'knownVerbs' | 'parse'>;
  /** Whether a blob is stored (ADD/COPY sources are checked at submit). */
  hasBlob?: (sha: string) => boolean;
  runUpdated: (run: RunSummary) => void;
  /** After settled history was purged (the blob garbage collector runs). */
  afterPurge?: () => void;
  /** Turns a full data dir into a `storage-full` refusal (logged once per episode). */
  storage?: StorageGuard;
}>;

export type Reconciled = Readonly<{ redispatched: number; send: () => void }>;

export type JobsService = ReturnType<typeof createJobsService>;

/** Half the message limit, so a dispatch stays well inside it. */
const DISPATCH_BYTES = LIMITS.maxMessageBytes / 2;

export function createJobsService(deps: JobsServiceDeps) {
  const { repo, state, link, clock, log } = deps;
  let nextSeq = repo.nextSeq();
  const timers = new Set<NodeJS.Timeout>();

  function markDispatched(identity: string, jobIds: readonly string[]): void {
    const mine = state.byAgent.get(identity);
    if (!mine) return;
    const work = state.work();
    for (const id of jobIds) {
      const t = mine.get(id);
      if (t && t.state === 'queued') state.transition(work, t, 'dispatched', { dispatchedAt: work.now });
    }
  }

  /** Sends jobs to one agent in order, split to respect the batch and message limits. */
  function dispatchTo(identity: string, jobs: readonly LiveJob[]): void {
    let chunk: LiveJob[] = [];
    let bytes = 0;
    const send = () => {
      if (!chunk.length) return;
      const sent = chunk;
      chunk = [];
      bytes = 0;
      void link.dispatch(identity, sent.map((j) => j.dispatched)).then((acked) => {
        if (acked) markDispatched(identity, sent.map((j) => j.jobId));
      });
    };
    for (const job of jobs) {
      if (chunk.length >= LIMITS.maxBatchEvents || (chunk.length && bytes + job.approxBytes > DISPATCH_BYTES)) send();
      chunk.push(job);
      bytes += job.approxBytes + 512;
    }
    send();
  }

  function submit(submission: RunSubmission, requestedBy: string): Result<RunSubmitted> {
    const now = clock();
    const planned = planSubmission(submission, {
      ...deps.components,
      online: link.onlineIdentities(),
      isKnown: link.isKnown,
      ...(link.isRebooting ? { isRebooting: (identity: string) => link.isRebooting?.(identity) === true } : {}),
      ...(deps.hasBlob ? { hasBlob: deps.hasBlob } : {}),
      newId: randomUUID,
      now,
    });
    if (!planned.ok) return planned;
    return store(planned.value, submission, requestedBy, now);
  }

  /**
   * A job the server itself creates (QUERY's follow-up ARG, spec 4.10): already-built fields, its
   * own run (kind exec, requested by `server`), every target online; bypasses the agents' queues.
   */
  function submitInternal(request: Readonly<{ verb: string; args: Record<string, unknown>; sha: string; text: string; targets: readonly string[]; source: string; partOf: string | null }>): Result<RunSubmitted> {
    const now = clock();
    const runId = randomUUID();
    const jobId = randomUUID();
    const online = new Set(link.onlineIdentities());
    const targets = request.targets.filter((t) => online.has(t));
    if (!targets.length) return fail('no-targets', 'no agents are online');
    const plan = {
      runId,
      jobs: [
        {
          job: { jobId, runId, parentId: jobId, verb: request.verb, args: request.args, sha: request.sha, timeout: 600, skipCache: true, parentAsync: false },
          text: request.text,
          parentSha: null,
          runOnce: false,
          skippedReason: null,
          blobs: [],
          targets: targets.map((target) => ({
            target,
            state: 'queued' as const,
            info: null,
            exitCode: null,
            cached: false,
            queuedAt: now,
            dispatchedAt: null,
            startedAt: null,
            finishedAt: null,
            executionTime: null,
            roundtripTime: null,
            stdoutBytes: 0,
            stderrBytes: 0,
            truncated: false,
          })),
        },
      ],
    };
    const submission: RunSubmission = { kind: 'exec', source: request.source, entries: [{ jobs: [{ verb: request.verb, text: request.text }] }], requestedBy: 'server' };
    return store(plan, submission, 'server', now, request.partOf);
  }

  function store(plan: Plan, submission: RunSubmission, requestedBy: string, now: number, partOf: string | null = null): Result<RunSubmitted> {
    const counts = emptyCounts();
    const targetNames = new Set<string>();
    const verbs = new Set<string>();
    const rows: NewJob[] = [];
    for (const [i, p] of plan.jobs.entries()) {
      verbs.add(p.job.verb);
      for (const t of p.targets) {
        targetNames.add(t.target);
        counts[t.state]++;
      }
      rows.push({ seq: nextSeq + i, job: p.job, parentSha: p.parentSha, text: p.text, runOnce: p.runOnce, createdAt: now, skippedReason: p.skippedReason, targets: p.targets, blobs: p.blobs });
    }
    const { sourceText, ...rest } = submission;
    const runRow: NewRun = {
      runId: plan.runId,
      kind: submission.kind,
      source: submission.source ?? null,
      sourceText: sourceText ?? null,
      requestedBy: submission.requestedBy ?? requestedBy,
      createdAt: now,
      rerunOf: submission.rerunOf ?? null,
      partOf,
      title: submission.kind === 'exec' ? execTitle(plan.jobs[0]) : null,
      jobCount: plan.jobs.length,
      targets: [...targetNames].sort(),
      verbs: [...verbs],
      submission: JSON.stringify(rest),
    };
    const run: LiveRun = {
      runId: runRow.runId,
      kind: runRow.kind,
      source: runRow.source,
      requestedBy: runRow.requestedBy,
      createdAt: now,
      rerunOf: runRow.rerunOf,
      partOf: runRow.partOf,
      title: runRow.title,
      jobCount: runRow.jobCount,
      targets: runRow.targets,
      verbs: runRow.verbs,
      counts,
      open: counts.queued,
      cancelRequested: false,
      jobs: new Set(),
    };
    const summary = liveRunSummary(run);
    let settled: RunSummary | null = run.open === 0 ? { ...summary, status: settledStatus(counts, false), finishedAt: now } : null;
    try {
      repo.transaction(() => {
        repo.insertSubmission(runRow, rows);
        if (settled) settled = { ...settled, status: repo.settleRun(run.runId, settled.status === 'cancelled', now, counts) };
      });
    } catch (error) {
      if (isStorageFull(error) && deps.storage) return deps.storage.full('the submission', error);
      log.error('submission not stored', { error: String(error) });
      return fail('internal', 'the submission could not be stored; see the server log');
    }
    deps.storage?.recovered();
    nextSeq += rows.length;
    const perAgent = new Map<string, LiveJob[]>();
    if (!settled) {
      state.runs.set(run.runId, run);
      for (const p of plan.jobs) {
        const job: LiveJob = { jobId: p.job.jobId, runId: run.runId, createdAt: now, dispatched: p.job, approxBytes: p.text.length * 2, targets: new Map(), open: 0 };
        for (const record of p.targets) {
          const t = liveTarget(record, job.jobId, run.runId);
          job.targets.set(t.target, t);
          if (t.state !== 'queued') continue;
          job.open++;
          state.agentTargets(t.target).set(job.jobId, t);
          let list = perAgent.get(t.target);
          if (!list) perAgent.set(t.target, (list = []));
          list.push(job);
        }
        if (job.open > 0) {
          state.jobs.set(job.jobId, job);
          run.jobs.add(job);
        }
      }
    }
    deps.runUpdated(settled ?? summary);
    for (const [identity, jobs] of perAgent) dispatchTo(identity, jobs);
    log.debug('run submitted', { runId: run.runId, jobs: rows.length, agents: perAgent.size });
    return ok({
      runId: run.runId,
      jobs: plan.jobs.map((p) => ({
        jobId: p.job.jobId,
        parentId: p.job.parentId,
        sha: p.job.sha,
        verb: p.job.verb,
        targets: p.targets.map((t) => t.target),
        ...(p.skippedReason ? { skipped: p.skippedReason } : {}),
      })),
    });
  }

  /**
   * An agent said hello: its queued jobs (and dispatched ones it does not mention) are sent
   * again — it dedupes by job id; jobs it still runs but the server no longer expects are
   * cancelled; running jobs it forgot become lost unless their result arrives shortly.
   */
  function reconcile(identity: string, activeJobs: readonly string[]): Reconciled {
    const mine = state.byAgent.get(identity) ?? new Map<string, LiveTarget>();
    const active = new Set(activeJobs);
    const resend: LiveJob[] = [];
    const work = state.work();
    // A job marked lost that the agent still runs goes on: its late result replaces `lost`.
    const cancel: string[] = activeJobs.filter((id) => !mine.has(id) && !state.lostTarget(identity, id, work.now));
    const forgotten: LiveTarget[] = [];
    for (const t of [...mine.values()]) {
      if (isFinalState(t.state)) continue;
      const run = state.runs.get(t.runId);
      const job = state.jobs.get(t.jobId);
      if (run?.cancelRequested) {
        cancel.push(t.jobId);
        if (t.state === 'queued') state.transition(work, t, 'cancelled', { info: 'cancelled before it was sent', finishedAt: work.now });
      } else if (job && (t.state === 'queued' || (t.state === 'dispatched' && !active.has(t.jobId)))) resend.push(job);
      else if (t.state === 'running' && !active.has(t.jobId)) forgotten.push(t);
    }
    state.flush();
    return {
      redispatched: resend.length,
      send: () => {
        if (cancel.length) link.cancel(identity, cancel);
        if (resend.length) dispatchTo(identity, resend);
        if (forgotten.length) expectResults(identity, forgotten);
      },
    };
  }

  /** Running targets an agent no longer lists: their result may still sit in its outbox. */
  function expectResults(identity: string, targets: readonly LiveTarget[]): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const work = state.work();
      for (const t of targets) {
        if (t.state === 'running') state.markLost(work, t, `agent ${identity} restarted and no longer runs this job`);
      }
    }, deps.heartbeatIntervalMs * 3);
    timer.unref();
    timers.add(timer);
  }

  /** The agent's heartbeat expired: what it was given or running is lost; queued work waits. */
  function agentExpired(identity: string): number {
    const mine = state.byAgent.get(identity);
    if (!mine) return 0;
    const work = state.work();
    let lost = 0;
    for (const t of [...mine.values()]) {
      if (t.state === 'dispatched' || t.state === 'running') {
        state.markLost(work, t, `agent ${identity} stopped answering`);
        lost++;
      } else if (isFinalState(t.state)) mine.delete(t.jobId);
    }
    if (lost) log.warn('agent expired; its running jobs are lost', { identity, lost });
    return lost;
  }

  /** Null when the run is not open (unknown or already settled). */
  function cancelRun(runId: string): Result<{ cancelled: number }> | null {
    const run = state.runs.get(runId);
    if (!run) return null;
    run.cancelRequested = true;
    const work = state.work();
    const perAgent = new Map<string, string[]>();
    let cancelled = 0;
    for (const job of [...run.jobs]) {
      for (const t of job.targets.values()) {
        if (isFinalState(t.state)) continue;
        const online = link.isOnline(t.target);
        if (t.state === 'queued') {
          state.transition(work, t, 'cancelled', { info: 'cancelled before it was sent', finishedAt: work.now });
          cancelled++;
        } else if (online) cancelled++;
        if (online) {
          let ids = perAgent.get(t.target);
          if (!ids) perAgent.set(t.target, (ids = []));
          ids.push(t.jobId);
        }
      }
    }
    state.flush();
    for (const [identity, ids] of perAgent) link.cancel(identity, ids);
    log.info('run cancelled', { runId, cancelled });
    return ok({ cancelled });
  }

  return {
    submit,
    submitInternal,
    reconcile,
    agentExpired,
    cancelRun,
    isOpen: (jobId: string) => state.jobs.has(jobId),
    liveRun: (runId: string): RunSummary | undefined => {
      const run = state.runs.get(runId);
      return run ? liveRunSummary(run) : undefined;
    },
    /** Deletes settled history; open runs stay. */
    purge: (): number => {
      const purged = repo.purgeSettled();
      deps.afterPurge?.();
      return purged;
    },
    dispose(): void {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      state.flush();
    },
  };
}

/** An `exec` run's title in History: its command, as the CLI was given it (`RUN echo hi`). */
function execTitle(job: Readonly<{ job: { verb: string }; text: string }> | undefined): string | null {
  if (!job) return null;
  const line = `${job.job.verb} ${job.text}`.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
