/**
 * The open-work index and its one owner: its maps are private, and the services change open
 * work only through the named operations below (admit, dispatched, reconcile, lose, expire,
 * cancel; start, finish, replaceLost inside `applyResults`). Everything that changes during one
 * event-loop turn joins that turn's unit of work; agent event batches (`applyResults`) are
 * applied inside its transaction. At the end of the turn (`flush()`) the work is written in one
 * `Store.transaction`, and only then are batches acknowledged and changes published (broadcasts,
 * awaiters, final-state listeners' effects). A failed commit reloads the index from the store.
 * State diagram: docs/design.md, "Open work".
 */
import { isFinalState, type TargetState } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import type { OutputAppended, TargetUpdate } from '../../protocol/ui-events.js';
import type { Awaiters } from './awaiters.js';
import type { JobsWrites, Store } from '../store/types.js';
import { dispatchedFromSql, runSummaryFromSql, targetFromSql } from './jobs.rows.js';
import {
  emptyCounts,
  liveRunSummary,
  liveTarget,
  settledStatus,
  targetUpdate,
  type LiveJob,
  type LiveRun,
  type LiveTarget,
} from './live.js';
import { parseStringArray } from '../util/json.js';

/** Where published changes go (the `/ui` broadcaster). */
export type JobsObserver = Readonly<{
  targetsUpdated(updates: readonly TargetUpdate[]): void;
  outputAppended(chunks: readonly OutputAppended[]): void;
  runUpdated(run: RunSummary): void;
  /** Whether anyone listens to this run's output (so unwatched output is not kept). */
  wantsOutput(runId: string): boolean;
}>;

export type Work = {
  readonly now: number;
  readonly dirty: Set<LiveTarget>;
  readonly touched: Set<string>;
  readonly updates: TargetUpdate[];
  readonly outputs: OutputAppended[];
  readonly settledJobs: string[];
  readonly settledRuns: RunSummary[];
  /** Settled runs whose targets changed afterwards (a late result replaced `lost`). */
  readonly revisedRuns: Set<string>;
};

/** A target marked lost whose agent may still deliver its result. */
export type LostTarget = Readonly<{ target: LiveTarget; lostAt: number; lostInfo: string }>;

/** How long, and how many per agent, lost targets wait for a late result. */
const LOST_KEPT_MS = 60 * 60 * 1000;
const LOST_KEPT_PER_AGENT = 10_000;
/** At most this many lost targets are looked up again at a start (newest first). */
const LOST_RELOADED = 100_000;

export type TargetPatch = Partial<
  Pick<LiveTarget, 'info' | 'exitCode' | 'cached' | 'dispatchedAt' | 'startedAt' | 'finishedAt' | 'executionTime' | 'roundtripTime'>
>;

/** Called inside the unit of work when a target becomes final (QUERY coordination, REBOOT policy). */
export type FinalListener = (t: LiveTarget, job: LiveJob | undefined) => void;

/** What an agent's hello changes: jobs to cancel on it, jobs to send again, running jobs it forgot. */
export type HelloPlan = Readonly<{ cancel: string[]; resend: LiveJob[]; forgotten: LiveTarget[] }>;

/** A cancelled run: how many targets it stopped, and the job ids to cancel per online agent. */
export type CancelPlan = Readonly<{ cancelled: number; perAgent: Map<string, string[]> }>;

export type JobsState = ReturnType<typeof createJobsState>;

export function createJobsState(
  deps: Readonly<{
    store: Pick<Store, 'jobs' | 'transaction'>;
    observer: JobsObserver;
    awaiters: Awaiters;
    clock: () => number;
    log: Logger;
  }>,
) {
  const { store, observer, awaiters, log } = deps;
  const jobsById = new Map<string, LiveJob>();
  const runs = new Map<string, LiveRun>();
  /** Per agent, its targets that are open or still draining output, in dispatch order. */
  const byAgent = new Map<string, Map<string, LiveTarget>>();
  /**
   * Per agent, targets marked `lost` whose real result may still come (an agent frozen past its
   * expiry, then resumed): the late `finished` replaces `lost` once (keyed by job id).
   */
  const lostByAgent = new Map<string, Map<string, LostTarget>>();
  const finalListeners: FinalListener[] = [];

  const agentTargets = (identity: string): Map<string, LiveTarget> => {
    let m = byAgent.get(identity);
    if (!m) byAgent.set(identity, (m = new Map()));
    return m;
  };

  const drained = (t: LiveTarget) =>
    t.expectChunks !== null && t.lastSeq.stdout + 1 >= t.expectChunks.stdout && t.lastSeq.stderr + 1 >= t.expectChunks.stderr;

  /** Drops a final target from its agent's index once it expects no more output. */
  function release(t: LiveTarget): void {
    if (!isFinalState(t.state) || (t.expectChunks && !drained(t))) return;
    const m = byAgent.get(t.target);
    if (m?.get(t.jobId) === t) m.delete(t.jobId);
  }

  function newWork(): Work {
    return {
      now: deps.clock(),
      dirty: new Set(),
      touched: new Set(),
      updates: [],
      outputs: [],
      settledJobs: [],
      settledRuns: [],
      revisedRuns: new Set(),
    };
  }

  function transition(work: Work, t: LiveTarget, state: TargetState, patch: TargetPatch = {}): void {
    const run = runs.get(t.runId);
    const job = jobsById.get(t.jobId);
    const wasFinal = isFinalState(t.state);
    if (run) {
      run.counts[t.state]--;
      run.counts[state]++;
    }
    t.state = state;
    Object.assign(t, patch);
    work.dirty.add(t);
    work.updates.push(targetUpdate(t, work.now));
    if (wasFinal || !isFinalState(state)) return;
    work.touched.add(t.jobId);
    release(t);
    if (job && --job.open === 0) {
      jobsById.delete(job.jobId);
      run?.jobs.delete(job);
      work.settledJobs.push(job.jobId);
    }
    if (run && --run.open === 0) settleRun(work, run);
    for (const listener of finalListeners) listener(t, job);
  }

  /** Marks an open target lost and remembers it, so a late result from its agent can still land. */
  function markLost(work: Work, t: LiveTarget, info: string): void {
    transition(work, t, 'lost', { info, finishedAt: work.now });
    let m = lostByAgent.get(t.target);
    if (!m) lostByAgent.set(t.target, (m = new Map()));
    m.set(t.jobId, { target: t, lostAt: work.now, lostInfo: info });
    // Oldest first (insertion order): expired ones, and the oldest beyond the per-agent bound, go.
    for (const [id, l] of m) {
      if (m.size <= LOST_KEPT_PER_AGENT && work.now - l.lostAt <= LOST_KEPT_MS) break;
      m.delete(id);
    }
  }

  /**
   * Lost targets from the database: a late result is still welcome after a server restart (the
   * agent keeps it in its outbox until acked). Oldest first, as markLost adds them.
   */
  async function loadLost(): Promise<void> {
    const now = deps.clock();
    const rows = (await store.jobs.recentLost(now - LOST_KEPT_MS, LOST_RELOADED)).reverse();
    lostByAgent.clear();
    for (const row of rows) {
      let m = lostByAgent.get(row.target);
      if (!m) lostByAgent.set(row.target, (m = new Map()));
      m.set(row.job_id, {
        target: liveTarget(targetFromSql(row), row.job_id, row.run_id),
        lostAt: row.finished_at ?? now,
        lostInfo: row.info ?? '',
      });
      if (m.size > LOST_KEPT_PER_AGENT) m.delete(m.keys().next().value as string);
    }
    if (rows.length) log.info('lost targets still open to late results', { targets: rows.length });
  }

  /** The lost target of `identity` for `jobId` whose late result is still welcome; undefined otherwise. */
  function lostTarget(identity: string, jobId: string, now: number): LostTarget | undefined {
    const m = lostByAgent.get(identity);
    const l = m?.get(jobId);
    if (!l) return undefined;
    // Retention and purges tell forgetRuns() when they delete a run's rows.
    if (l.target.state !== 'lost' || now - l.lostAt > LOST_KEPT_MS) {
      m?.delete(jobId);
      return undefined;
    }
    return l;
  }

  /**
   * Applies a late final result to a target marked lost: the state is replaced once, the lost
   * episode stays in its info, and a run that had settled is settled again from its rows.
   */
  function replaceLost(
    work: Work,
    l: LostTarget,
    state: TargetState,
    patch: TargetPatch,
    expectChunks: { stdout: number; stderr: number },
  ): void {
    const t = l.target;
    t.expectChunks = expectChunks;
    lostByAgent.get(t.target)?.delete(t.jobId);
    transition(work, t, state, {
      ...patch,
      info: `${patch.info ?? ''} (reported late: the server had marked this job lost: ${l.lostInfo})`.trimStart(),
    });
    work.touched.add(t.jobId);
    if (!runs.has(t.runId)) work.revisedRuns.add(t.runId);
    log.info('late result replaced lost', { jobId: t.jobId, target: t.target, state });
  }

  function settleRun(work: Work, run: LiveRun): void {
    runs.delete(run.runId);
    const status = settledStatus(run.counts, run.cancelRequested);
    work.settledRuns.push({
      runId: run.runId,
      kind: run.kind,
      source: run.source,
      requestedBy: run.requestedBy,
      createdAt: run.createdAt,
      finishedAt: work.now,
      status,
      jobCount: run.jobCount,
      targets: run.targets,
      verbs: run.verbs,
      counts: { ...run.counts },
      rerunOf: run.rerunOf,
      partOf: run.partOf,
      title: run.title,
    });
  }

  /**
   * Lost targets of deleted runs (retention, purge) can take no late result: their rows are gone.
   * `runIds` undefined: every run that is not open.
   */
  function forgetRuns(runIds?: ReadonlySet<string>): void {
    for (const m of lostByAgent.values()) {
      for (const [id, l] of m) if (runIds ? runIds.has(l.target.runId) : !runs.has(l.target.runId)) m.delete(id);
    }
  }

  /** Writes a unit of work; `body` runs inside the same transaction (output inserts). */
  async function commit(work: Work, body?: (tx: JobsWrites) => void): Promise<boolean> {
    let revisedSummaries: RunSummary[];
    try {
      revisedSummaries = await store.transaction(({ jobs: tx }) => {
        body?.(tx);
        for (const t of work.dirty) tx.updateTarget(t);
        for (const id of work.touched) tx.touchJob(id, work.now);
        // The status from the stored rows (each host's first bad state), as History will read it.
        work.settledRuns.forEach(
          (r, i) => (work.settledRuns[i] = { ...r, status: tx.settleRun(r.runId, r.status === 'cancelled', work.now, r.counts) }),
        );
        const revised: RunSummary[] = [];
        for (const id of work.revisedRuns) {
          const summary = tx.resettleRun(id);
          if (summary) revised.push(summary);
        }
        return revised;
      });
    } catch (error) {
      lastCommitError = error;
      log.error('commit failed; reloading open work from the database', { error: String(error) });
      await load().catch((e: unknown) => log.error('reloading open work failed', { error: String(e) }));
      return false;
    }
    lastCommitError = null;
    for (const run of revisedSummaries) observer.runUpdated(run);
    if (work.outputs.length) observer.outputAppended(work.outputs);
    if (work.updates.length) observer.targetsUpdated(work.updates);
    for (const run of work.settledRuns) observer.runUpdated(run);
    for (const id of work.settledJobs) awaiters.settled(id);
    return true;
  }

  /** (Re)builds the index from the database: at start, and after a failed commit. */
  async function load(): Promise<void> {
    const open = await store.jobs.loadOpen();
    jobsById.clear();
    runs.clear();
    byAgent.clear();
    const counts = new Map<string, Record<TargetState, number>>();
    for (const c of open.runCounts) {
      let m = counts.get(c.run_id);
      if (!m) counts.set(c.run_id, (m = emptyCounts()));
      m[c.state] = c.n;
    }
    for (const r of open.runs) {
      const c = counts.get(r.run_id) ?? emptyCounts();
      runs.set(r.run_id, {
        runId: r.run_id,
        kind: r.kind,
        source: r.source,
        requestedBy: r.requested_by,
        createdAt: r.created_at,
        rerunOf: r.rerun_of,
        partOf: r.part_of,
        title: r.title,
        jobCount: r.job_count,
        targets: parseStringArray(r.target_list),
        verbs: parseStringArray(r.verb_list),
        pattern: runSummaryFromSql(r).pattern ?? null,
        counts: c,
        open: c.queued + c.dispatched + c.running,
        cancelRequested: false,
        jobs: new Set(),
      });
    }
    for (const j of open.jobs) {
      const run = runs.get(j.run_id);
      if (!run) {
        log.warn('open job of a settled run ignored', { jobId: j.job_id, runId: j.run_id });
        continue;
      }
      const job: LiveJob = {
        jobId: j.job_id,
        runId: j.run_id,
        createdAt: j.created_at,
        dispatched: dispatchedFromSql(j),
        approxBytes: j.text.length + j.args.length,
        targets: new Map(),
        open: 0,
      };
      jobsById.set(job.jobId, job);
      run.jobs.add(job);
    }
    for (const row of open.targets) {
      const job = jobsById.get(row.job_id);
      if (!job) continue;
      const t = liveTarget(targetFromSql(row), row.job_id, row.run_id);
      job.targets.set(t.target, t);
      if (!isFinalState(t.state)) {
        job.open++;
        agentTargets(t.target).set(t.jobId, t);
      }
    }
    await loadLost();
    const work = newWork();
    for (const run of [...runs.values()]) if (run.open === 0) settleRun(work, run);
    if (work.settledRuns.length) {
      await store.transaction(({ jobs: tx }) => {
        for (const r of work.settledRuns) tx.settleRun(r.runId, r.status === 'cancelled', work.now, r.counts);
      });
      log.info('settled runs with no open work', { runs: work.settledRuns.length });
    }
    log.info('open work loaded', { runs: runs.size, jobs: jobsById.size });
  }

  let current: Work | null = null;
  /** Why the last commit failed (null after a good one): callers tell a full disk from a bug. */
  let lastCommitError: unknown = null;
  let scheduled: NodeJS.Immediate | null = null;
  const queued: Array<{ apply: (work: Work, tx: JobsWrites) => void; done: (committed: boolean) => void }> = [];

  /** This turn's unit of work, committed by `flush()` at the end of the turn. */
  function work(): Work {
    if (!current) {
      current = newWork();
      scheduled = setImmediate(() => void flush());
    }
    return current;
  }

  /** Applies `apply` inside this turn's transaction; `done` learns whether it was committed. */
  function enqueue(apply: (work: Work, tx: JobsWrites) => void, done: (committed: boolean) => void): void {
    work();
    queued.push({ apply, done });
  }

  /** Commits this turn's work now; resolves once it is committed and published. */
  function flush(): Promise<void> {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    const w = current;
    current = null;
    if (!w) return Promise.resolve();
    const batch = queued.splice(0);
    return commit(w, (tx) => {
      for (const item of batch) item.apply(w, tx);
    }).then((committed) => {
      for (const item of batch) item.done(committed);
    });
  }

  /**
   * A stored submission joins the open work: its queued targets are indexed per agent. Returns,
   * per agent, the jobs to dispatch, in order.
   */
  function admit(run: LiveRun, jobs: readonly LiveJob[]): Map<string, LiveJob[]> {
    const perAgent = new Map<string, LiveJob[]>();
    runs.set(run.runId, run);
    for (const job of jobs) {
      for (const t of job.targets.values()) {
        if (t.state !== 'queued') continue;
        job.open++;
        agentTargets(t.target).set(job.jobId, t);
        let list = perAgent.get(t.target);
        if (!list) perAgent.set(t.target, (list = []));
        list.push(job);
      }
      if (job.open > 0) {
        jobsById.set(job.jobId, job);
        run.jobs.add(job);
      }
    }
    return perAgent;
  }

  /** The agent acknowledged these jobs: queued targets become dispatched. */
  function dispatched(identity: string, jobIds: readonly string[]): void {
    const mine = byAgent.get(identity);
    if (!mine) return;
    const w = work();
    for (const id of jobIds) {
      const t = mine.get(id);
      if (t && t.state === 'queued') transition(w, t, 'dispatched', { dispatchedAt: w.now });
    }
  }

  /**
   * An agent said hello listing the jobs it still runs: queued ones (and dispatched ones it does
   * not list) go again; jobs of cancelled runs are cancelled; jobs it runs that the server does
   * not expect are cancelled (unless marked lost: their late result is welcome); running ones it
   * forgot are returned for `lose` after a grace period. Committed before it returns.
   */
  function reconcile(identity: string, activeJobs: readonly string[]): HelloPlan {
    const mine = byAgent.get(identity) ?? new Map<string, LiveTarget>();
    const active = new Set(activeJobs);
    const resend: LiveJob[] = [];
    const w = work();
    const cancel: string[] = activeJobs.filter((id) => !mine.has(id) && !lostTarget(identity, id, w.now));
    const forgotten: LiveTarget[] = [];
    for (const t of [...mine.values()]) {
      if (isFinalState(t.state)) continue;
      const run = runs.get(t.runId);
      const job = jobsById.get(t.jobId);
      if (run?.cancelRequested) {
        cancel.push(t.jobId);
        if (t.state === 'queued') transition(w, t, 'cancelled', { info: 'cancelled before it was sent', finishedAt: w.now });
      } else if (job && (t.state === 'queued' || (t.state === 'dispatched' && !active.has(t.jobId)))) resend.push(job);
      else if (t.state === 'running' && !active.has(t.jobId)) forgotten.push(t);
    }
    void flush();
    return { cancel, resend, forgotten };
  }

  /** Targets still running after the grace period become lost (their agent forgot them). */
  function lose(targets: readonly LiveTarget[], info: string): void {
    const w = work();
    for (const t of targets) if (t.state === 'running') markLost(w, t, info);
  }

  /** The agent's heartbeat expired: what it was given or running is lost; queued work waits. */
  function expire(identity: string): number {
    const mine = byAgent.get(identity);
    if (!mine) return 0;
    const w = work();
    let lost = 0;
    for (const t of [...mine.values()]) {
      if (t.state === 'dispatched' || t.state === 'running') {
        markLost(w, t, `agent ${identity} stopped answering`);
        lost++;
      } else if (isFinalState(t.state)) mine.delete(t.jobId);
    }
    return lost;
  }

  /**
   * Cancels an open run: queued targets are cancelled now; dispatched and running ones on online
   * agents are to be cancelled there (their final state comes back as a result). Null when the
   * run is not open. Committed before it returns.
   */
  function cancel(runId: string, isOnline: (identity: string) => boolean): CancelPlan | null {
    const run = runs.get(runId);
    if (!run) return null;
    run.cancelRequested = true;
    const w = work();
    const perAgent = new Map<string, string[]>();
    let cancelled = 0;
    for (const job of [...run.jobs]) {
      for (const t of job.targets.values()) {
        if (isFinalState(t.state)) continue;
        const online = isOnline(t.target);
        if (t.state === 'queued') {
          transition(w, t, 'cancelled', { info: 'cancelled before it was sent', finishedAt: w.now });
          cancelled++;
        } else if (online) cancelled++;
        if (online) {
          let ids = perAgent.get(t.target);
          if (!ids) perAgent.set(t.target, (ids = []));
          ids.push(t.jobId);
        }
      }
    }
    void flush();
    return { cancelled, perAgent };
  }

  /** A result's `started`: a queued or dispatched target is running. */
  function start(w: Work, t: LiveTarget, startedAt: number): void {
    if (t.state === 'queued' || t.state === 'dispatched')
      transition(w, t, 'running', { startedAt, dispatchedAt: t.dispatchedAt ?? startedAt });
  }

  /** A result's `finished`: the target takes its final state once (later ones are ignored). */
  function finish(
    w: Work,
    t: LiveTarget,
    outcome: TargetState,
    patch: TargetPatch,
    expectChunks: { stdout: number; stderr: number },
  ): void {
    if (isFinalState(t.state)) return;
    t.expectChunks = expectChunks;
    transition(w, t, outcome, patch);
  }

  /** Applies `apply` to open work inside this turn's transaction; `done` learns whether it was committed. */
  function applyResults(apply: (work: Work, tx: JobsWrites) => void, done: (committed: boolean) => void): void {
    enqueue(apply, done);
  }

  return {
    admit,
    dispatched,
    reconcile,
    lose,
    expire,
    cancel,
    applyResults,
    start,
    finish,
    replaceLost,
    lostTarget,
    forgetRuns,
    /** Output of `t` was stored: a final target that expects no more leaves its agent's index. */
    outputStored: release,
    /** The open target of `identity` for `jobId`, if any (final ones still draining output included). */
    agentTarget: (identity: string, jobId: string): LiveTarget | undefined => byAgent.get(identity)?.get(jobId),
    openJob: (jobId: string): LiveJob | undefined => jobsById.get(jobId),
    /** The jobs of `runId` still queued on `identity`, in dispatch order (a rollout releases them). */
    queuedOf: (identity: string, runId: string): LiveJob[] => {
      const out: LiveJob[] = [];
      for (const t of byAgent.get(identity)?.values() ?? []) {
        const job = t.runId === runId && t.state === 'queued' ? jobsById.get(t.jobId) : undefined;
        if (job) out.push(job);
      }
      return out;
    },
    isOpen: (jobId: string): boolean => jobsById.has(jobId),
    liveRun: (runId: string): RunSummary | undefined => {
      const run = runs.get(runId);
      return run ? liveRunSummary(run) : undefined;
    },
    onFinal(listener: FinalListener): void {
      finalListeners.push(listener);
    },
    flush,
    load,
    lastCommitError: () => lastCommitError,
  };
}
