/**
 * The open-work index and its one mutation path. Everything that changes during one event-loop
 * turn joins that turn's unit of work (`work()`); agent event batches queued with `enqueue()`
 * are applied inside its transaction. At the end of the turn (`flush()`) the work is written in
 * one transaction, and only then are batches acknowledged and changes published (broadcasts,
 * awaiters). A failed commit reloads the index from the database.
 */
import { isFinalState, type TargetState } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import type { OutputAppended, TargetUpdate } from '../../protocol/ui-events.js';
import type { Awaiters } from './awaiters.js';
import type { JobsRepo } from './jobs.repo.js';
import { dispatchedFromSql, targetFromSql } from './jobs.rows.js';
import { emptyCounts, liveTarget, settledStatus, type LiveJob, type LiveRun, type LiveTarget } from './live.js';
import { targetUpdate } from './live.js';
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

export type TargetPatch = Partial<Pick<LiveTarget, 'info' | 'exitCode' | 'cached' | 'dispatchedAt' | 'startedAt' | 'finishedAt' | 'executionTime' | 'roundtripTime'>>;

export type JobsState = ReturnType<typeof createJobsState>;

export function createJobsState(deps: Readonly<{ repo: JobsRepo; observer: JobsObserver; awaiters: Awaiters; clock: () => number; log: Logger }>) {
  const { repo, observer, awaiters, log } = deps;
  const jobs = new Map<string, LiveJob>();
  const runs = new Map<string, LiveRun>();
  /** Per agent, its targets that are open or still draining output, in dispatch order. */
  const byAgent = new Map<string, Map<string, LiveTarget>>();
  /**
   * Per agent, targets marked `lost` whose real result may still come (an agent frozen past its
   * expiry, then resumed): the late `finished` replaces `lost` once (keyed by job id).
   */
  const lostByAgent = new Map<string, Map<string, LostTarget>>();
  /** Late-bound observers inside the unit of work (QUERY coordination). */
  const hooks: { final?: (t: LiveTarget, job: LiveJob | undefined) => void } = {};

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
    return { now: deps.clock(), dirty: new Set(), touched: new Set(), updates: [], outputs: [], settledJobs: [], settledRuns: [], revisedRuns: new Set() };
  }

  function transition(work: Work, t: LiveTarget, state: TargetState, patch: TargetPatch = {}): void {
    const run = runs.get(t.runId);
    const job = jobs.get(t.jobId);
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
      jobs.delete(job.jobId);
      run?.jobs.delete(job);
      work.settledJobs.push(job.jobId);
    }
    if (run && --run.open === 0) settleRun(work, run);
    hooks.final?.(t, job);
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
  function loadLost(): void {
    lostByAgent.clear();
    const now = deps.clock();
    const rows = repo.recentLost(now - LOST_KEPT_MS, LOST_RELOADED).reverse();
    for (const row of rows) {
      let m = lostByAgent.get(row.target);
      if (!m) lostByAgent.set(row.target, (m = new Map()));
      m.set(row.job_id, { target: liveTarget(targetFromSql(row), row.job_id, row.run_id), lostAt: row.finished_at ?? now, lostInfo: row.info ?? '' });
      if (m.size > LOST_KEPT_PER_AGENT) m.delete(m.keys().next().value as string);
    }
    if (rows.length) log.info('lost targets still open to late results', { targets: rows.length });
  }

  /** The lost target of `identity` for `jobId` whose late result is still welcome; undefined otherwise. */
  function lostTarget(identity: string, jobId: string, now: number): LostTarget | undefined {
    const m = lostByAgent.get(identity);
    const l = m?.get(jobId);
    if (!l) return undefined;
    // Retention or a purge may have deleted its rows meanwhile: then the late result has nowhere to go.
    if (l.target.state !== 'lost' || now - l.lostAt > LOST_KEPT_MS || !repo.hasTarget(jobId, identity)) {
      m?.delete(jobId);
      return undefined;
    }
    return l;
  }

  /**
   * Applies a late final result to a target marked lost: the state is replaced once, the lost
   * episode stays in its info, and a run that had settled is settled again from its rows.
   */
  function replaceLost(work: Work, l: LostTarget, state: TargetState, patch: TargetPatch): void {
    const t = l.target;
    lostByAgent.get(t.target)?.delete(t.jobId);
    transition(work, t, state, { ...patch, info: `${patch.info ?? ''} (reported late: the server had marked this job lost: ${l.lostInfo})`.trimStart() });
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

  /** Writes a unit of work; `body` runs inside the same transaction (output inserts). */
  function commit(work: Work, body?: () => void): boolean {
    const revisedSummaries: RunSummary[] = [];
    try {
      repo.transaction(() => {
        body?.();
        for (const t of work.dirty) repo.updateTarget(t);
        for (const id of work.touched) repo.touchJob(id, work.now);
        // The status from the stored rows (each host's first bad state), as History will read it.
        work.settledRuns.forEach((r, i) => (work.settledRuns[i] = { ...r, status: repo.settleRun(r.runId, r.status === 'cancelled', work.now, r.counts) }));
        for (const id of work.revisedRuns) {
          const revised = repo.resettleRun(id);
          if (revised) revisedSummaries.push(revised);
        }
      });
    } catch (error) {
      lastCommitError = error;
      log.error('commit failed; reloading open work from the database', { error: String(error) });
      load();
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
  function load(): void {
    jobs.clear();
    runs.clear();
    byAgent.clear();
    const open = repo.loadOpen();
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
      const job: LiveJob = { jobId: j.job_id, runId: j.run_id, createdAt: j.created_at, dispatched: dispatchedFromSql(j), approxBytes: j.text.length + j.args.length, targets: new Map(), open: 0 };
      jobs.set(job.jobId, job);
      run.jobs.add(job);
    }
    for (const row of open.targets) {
      const job = jobs.get(row.job_id);
      if (!job) continue;
      const t = liveTarget(targetFromSql(row), row.job_id, row.run_id);
      job.targets.set(t.target, t);
      if (!isFinalState(t.state)) {
        job.open++;
        agentTargets(t.target).set(t.jobId, t);
      }
    }
    loadLost();
    const work = newWork();
    for (const run of [...runs.values()]) if (run.open === 0) settleRun(work, run);
    if (work.settledRuns.length) {
      repo.transaction(() => {
        for (const r of work.settledRuns) repo.settleRun(r.runId, r.status === 'cancelled', work.now, r.counts);
      });
      log.info('settled runs with no open work', { runs: work.settledRuns.length });
    }
    log.info('open work loaded', { runs: runs.size, jobs: jobs.size });
  }

  let current: Work | null = null;
  /** Why the last commit failed (null after a good one): callers tell a full disk from a bug. */
  let lastCommitError: unknown = null;
  let scheduled: NodeJS.Immediate | null = null;
  const queued: Array<{ apply: (work: Work) => void; done: (committed: boolean) => void }> = [];

  /** This turn's unit of work, committed by `flush()` at the end of the turn. */
  function work(): Work {
    if (!current) {
      current = newWork();
      scheduled = setImmediate(flush);
    }
    return current;
  }

  /** Applies `apply` inside this turn's transaction; `done` learns whether it was committed. */
  function enqueue(apply: (work: Work) => void, done: (committed: boolean) => void): void {
    work();
    queued.push({ apply, done });
  }

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    const w = current;
    current = null;
    if (!w) return;
    const batch = queued.splice(0);
    const committed = commit(w, () => {
      for (const item of batch) item.apply(w);
    });
    for (const item of batch) item.done(committed);
  }

  return {
    jobs,
    runs,
    byAgent,
    hooks,
    agentTargets,
    work,
    enqueue,
    flush,
    transition,
    release,
    drained,
    load,
    markLost,
    lostTarget,
    replaceLost,
    lastCommitError: () => lastCommitError,
  };
}
