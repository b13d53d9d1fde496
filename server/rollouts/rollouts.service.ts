/**
 * Safe rollouts (issue #17): which queued jobs may go to an agent now, when the next wave is
 * released, and what an operator's approve / resume / retry / abort does. The gate sits in the
 * jobs service's one dispatch path (submission, an agent's hello, a released wave), so a host of
 * a wave not yet released is never sent anything of the run from that entry on. Every change of
 * a rollout is written (`Store.transaction`) before the wave it releases is dispatched, so a
 * restarted server continues where it was and dispatches nothing a second time.
 */
import { isFinalState, type RunSubmission, type TargetState } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { EntryRollout, HaltReason, RolloutAction, RolloutActionResult, RolloutState, RunRollout } from '../../protocol/rollouts.js';
import type { Plan } from '../jobs/submit.plan.js';
import type { LiveJob, LiveTarget } from '../jobs/live.js';
import type { RolloutRow, Store } from '../store/types.js';
import { rolloutSpec } from './waves.js';

const FAILED: ReadonlySet<TargetState> = new Set(['failed', 'timed-out', 'lost']);

/** One entry's rollout in memory: the stored row plus per-host progress of the entry's jobs. */
type Live = {
  row: RolloutRow;
  jobIds: Set<string>;
  waveOf: Map<string, number>;
  /** Per host, how many of the entry's jobs are not final yet. */
  open: Map<string, number>;
  failed: Set<string>;
  timer: NodeJS.Timeout | null;
};

export type RolloutsDeps = Readonly<{
  store: Pick<Store, 'rollouts' | 'history' | 'transaction'>;
  clock: () => number;
  log: Logger;
  random?: () => number;
  /** Late-bound: the jobs service (dispatch, cancel, re-run). */
  jobs: () => Readonly<{
    dispatchQueued(identity: string, runId: string): void;
    cancelRun(runId: string): Result<{ cancelled: number }> | null;
    submit(submission: RunSubmission, requestedBy: string): Promise<Result<{ runId: string }>>;
  }>;
  /** A rollout's state changed: the run's summary is published again. */
  changed: (runId: string) => void;
  /** Wave timing for the bench: a wave's dispatch, `gapMs` after the previous wave's last result. */
  onWaveReleased?: (event: Readonly<{ runId: string; entry: number; wave: number; gapMs: number | null }>) => void;
}>;

const PRESSING: readonly RolloutState[] = ['halted', 'awaiting-approval', 'paused', 'running', 'aborted', 'done'];

export type RolloutsService = ReturnType<typeof createRollouts>;

export function createRollouts(deps: RolloutsDeps) {
  const { store, clock, log } = deps;
  const random = deps.random ?? Math.random;
  /** Per run, its entries' rollouts in entry order. */
  const byRun = new Map<string, Live[]>();
  const byJob = new Map<string, Live>();
  /** Per `runId:entry`, each host's queued jobs of the entry, from the plan until admitted. */
  const planned = new Map<string, Map<string, number>>();
  /** When the last result of a finished wave arrived (for `rollout_wave_gap_ms`). */
  const lastResultAt = new Map<Live, number>();

  function index(row: RolloutRow): Live {
    const live: Live = { row, jobIds: new Set(row.jobIds), waveOf: new Map(), open: new Map(), failed: new Set(), timer: null };
    row.waves.forEach((hosts, i) => hosts.forEach((h) => live.waveOf.set(h, i)));
    let list = byRun.get(row.runId);
    if (!list) byRun.set(row.runId, (list = []));
    list.push(live);
    list.sort((a, b) => a.row.entry - b.row.entry);
    for (const id of row.jobIds) byJob.set(id, live);
    return live;
  }

  function forget(runId: string): void {
    for (const live of byRun.get(runId) ?? []) {
      if (live.timer) clearTimeout(live.timer);
      for (const id of live.jobIds) byJob.delete(id);
      lastResultAt.delete(live);
    }
    byRun.delete(runId);
  }

  /** The rollout rows of a submission: entries with `serial` or a concurrency cap. */
  function plan(submission: RunSubmission, p: Plan, now: number): RolloutRow[] {
    const rows: RolloutRow[] = [];
    let at = 0;
    for (const [e, entry] of submission.entries.entries()) {
      const jobs = p.jobs.slice(at, at + entry.jobs.length);
      at += entry.jobs.length;
      const perHost = new Map<string, number>();
      for (const j of jobs) for (const t of j.targets) if (t.state === 'queued') perHost.set(t.target, (perHost.get(t.target) ?? 0) + 1);
      const hosts = [...perHost.keys()];
      const spec = rolloutSpec(entry, hosts, submission.concurrency, random);
      if (!spec) continue;
      planned.set(`${p.runId}:${e}`, perHost);
      rows.push({
        runId: p.runId,
        entry: e,
        name: entry.name ?? null,
        ...spec,
        jobIds: jobs.map((j) => j.job.jobId),
        // Serial: the first wave goes at once. Concurrency: the first `cap` hosts.
        released: spec.mode === 'serial' ? 1 : Math.min(spec.concurrency ?? 1, spec.waves.length),
        state: 'running',
        haltReason: null,
        accepted: [],
        resumeAt: null,
        updatedAt: now,
      });
    }
    return rows;
  }

  function admitted(rows: readonly RolloutRow[]): void {
    for (const row of rows) {
      const live = index(row);
      const key = `${row.runId}:${row.entry}`;
      for (const [h, n] of planned.get(key) ?? []) live.open.set(h, n);
      planned.delete(key);
    }
  }

  /** Whether `job` on `identity` waits for a wave not yet released. */
  function held(job: LiveJob, identity: string): boolean {
    const live = byJob.get(job.jobId);
    if (!live) return false;
    const wave = live.waveOf.get(identity);
    return wave !== undefined && (wave >= live.row.released || live.row.state === 'aborted');
  }

  /** A job held on a host holds every later job of its run there too, so the host's order stays. */
  function gate(identity: string, jobs: readonly LiveJob[]): readonly LiveJob[] {
    if (!byRun.size) return jobs;
    const blocked = new Set<string>();
    const out: LiveJob[] = [];
    for (const job of jobs) {
      if (blocked.has(job.runId)) continue;
      if (byRun.has(job.runId) && held(job, identity)) blocked.add(job.runId);
      else out.push(job);
    }
    return out;
  }

  /** Called inside the unit of work when a target becomes final; decisions wait for the commit. */
  function final(t: LiveTarget): void {
    const live = byJob.get(t.jobId);
    if (!live || !live.waveOf.has(t.target)) return;
    const left = (live.open.get(t.target) ?? 1) - 1;
    live.open.set(t.target, left);
    if (FAILED.has(t.state)) live.failed.add(t.target);
    if (left === 0) {
      lastResultAt.set(live, performance.now());
      setImmediate(() => void evaluate(live));
    }
  }

  const releasedHosts = (live: Live) => live.row.waves.slice(0, live.row.released).flat();
  const unfinished = (live: Live, hosts: readonly string[]) => hosts.filter((h) => (live.open.get(h) ?? 0) > 0);

  async function save(
    live: Live,
    next: Partial<Pick<RolloutRow, 'released' | 'state' | 'haltReason' | 'accepted' | 'resumeAt'>>,
  ): Promise<void> {
    const row: RolloutRow = { ...live.row, ...next, updatedAt: clock() };
    await store.transaction(({ rollouts }) => rollouts.progress(row));
    live.row = row;
  }

  /** Writes the new `released`, then sends the newly released hosts their queued jobs. */
  async function release(live: Live, released: number): Promise<void> {
    const from = live.row.released;
    await save(live, { released, state: 'running', resumeAt: null, haltReason: null });
    const ended = lastResultAt.get(live);
    for (const hosts of live.row.waves.slice(from, released)) for (const h of hosts) deps.jobs().dispatchQueued(h, live.row.runId);
    for (let w = from; w < released; w++)
      deps.onWaveReleased?.({
        runId: live.row.runId,
        entry: live.row.entry,
        wave: w,
        gapMs: ended === undefined ? null : performance.now() - ended,
      });
    log.info('rollout wave released', {
      runId: live.row.runId,
      entry: live.row.entry,
      waves: `${from + 1}..${released}`,
      of: live.row.waves.length,
    });
    deps.changed(live.row.runId);
  }

  let evaluating: Promise<void> = Promise.resolve();
  /** One decision at a time: a wave is never released twice by two results arriving together. */
  function evaluate(live: Live): Promise<void> {
    evaluating = evaluating
      .then(() => decide(live))
      .catch((error: unknown) => log.error('rollout step failed', { runId: live.row.runId, error: String(error) }));
    return evaluating;
  }

  async function decide(live: Live): Promise<void> {
    const r = live.row;
    if (byRun.get(r.runId)?.includes(live) !== true || r.state !== 'running') return;
    const running = unfinished(live, releasedHosts(live));
    if (r.mode === 'concurrency') {
      const room = (r.concurrency ?? 1) - running.length;
      if (room > 0 && r.released < r.waves.length) await release(live, Math.min(r.waves.length, r.released + room));
      else if (!running.length && r.released >= r.waves.length) await done(live);
      return;
    }
    if (running.length) return;
    const accepted = new Set(r.accepted);
    const failedHosts = releasedHosts(live).filter((h) => live.failed.has(h) && !accepted.has(h));
    const total = live.waveOf.size;
    if (r.released >= r.waves.length) return done(live);
    if ((failedHosts.length * 100) / total > r.maxFailPercentage) {
      const haltReason: HaltReason = {
        wave: r.released - 1,
        hosts: failedHosts,
        failed: failedHosts.length,
        total,
        maxFailPercentage: r.maxFailPercentage,
      };
      await save(live, { state: 'halted', haltReason });
      log.warn('rollout halted', { runId: r.runId, entry: r.entry, wave: r.released, failed: failedHosts.length, total });
      deps.changed(r.runId);
      return;
    }
    if (r.approve) {
      await save(live, { state: 'awaiting-approval' });
      deps.changed(r.runId);
      return;
    }
    if (r.pause > 0) {
      const resumeAt = clock() + r.pause * 1000;
      await save(live, { state: 'paused', resumeAt });
      schedule(live);
      deps.changed(r.runId);
      return;
    }
    await release(live, r.released + 1);
  }

  async function done(live: Live): Promise<void> {
    if (live.row.state !== 'done') {
      await save(live, { state: 'done' });
      deps.changed(live.row.runId);
    }
  }

  function schedule(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    const wait = Math.max(0, (live.row.resumeAt ?? 0) - clock());
    live.timer = setTimeout(() => {
      live.timer = null;
      evaluating = evaluating.then(async () => {
        if (live.row.state === 'paused' && byRun.get(live.row.runId)?.includes(live)) await release(live, live.row.released + 1);
      });
    }, wait);
    live.timer.unref();
  }

  /** Loads the rollouts of running runs and their hosts' progress; continues any that can go on. */
  async function load(): Promise<void> {
    for (const runId of [...byRun.keys()]) forget(runId);
    const rows = await store.rollouts.open();
    const runIds = new Set(rows.map((r) => r.runId));
    for (const row of rows) index(row);
    for (const runId of runIds) {
      const targets = await store.history.targetsOfRun(runId);
      for (const live of byRun.get(runId) ?? []) {
        for (const h of live.waveOf.keys()) live.open.set(h, 0);
        for (const t of targets) {
          if (!live.jobIds.has(t.job_id) || !live.waveOf.has(t.target)) continue;
          if (!isFinalState(t.state)) live.open.set(t.target, (live.open.get(t.target) ?? 0) + 1);
          else if (FAILED.has(t.state)) live.failed.add(t.target);
        }
      }
    }
    for (const list of byRun.values()) {
      for (const live of list) {
        if (live.row.state === 'paused') schedule(live);
        else if (live.row.state === 'running') void evaluate(live);
      }
    }
    if (rows.length) log.info('rollouts loaded', { rollouts: rows.length, runs: runIds.size });
  }

  function entryView(live: Live): EntryRollout {
    const r = live.row;
    return {
      entry: r.entry,
      name: r.name,
      mode: r.mode,
      jobIds: r.jobIds,
      waves: r.waves,
      released: r.released,
      state: r.state,
      haltReason: r.haltReason,
      resumeAt: r.resumeAt,
      maxFailPercentage: r.maxFailPercentage,
      approve: r.approve,
      pause: r.pause,
      concurrency: r.concurrency,
    };
  }

  function runState(entries: readonly Pick<EntryRollout, 'state'>[]): RolloutState {
    for (const s of PRESSING) if (entries.some((e) => e.state === s)) return s;
    return 'done';
  }

  function viewOf(runId: string): RunRollout | undefined {
    const list = byRun.get(runId);
    if (!list) return undefined;
    const entries = list.map(entryView);
    return { runId, state: runState(entries), entries };
  }

  /** The rollout of any run: live while it runs, else as stored; undefined without one. */
  async function get(runId: string): Promise<RunRollout | undefined> {
    const live = viewOf(runId);
    if (live) return live;
    const rows = await store.rollouts.ofRun(runId);
    if (!rows.length) return undefined;
    const entries = rows.map((row) => entryView({ row } as Live));
    return { runId, state: runState(entries), entries };
  }

  /** A running run's summary with its rollout: `halted` / `awaiting-approval` while it waits. */
  function overlay(summary: RunSummary): RunSummary {
    const rollout = summary.status === 'running' ? viewOf(summary.runId) : undefined;
    if (!rollout) return summary;
    const status = rollout.state === 'halted' ? 'halted' : rollout.state === 'awaiting-approval' ? 'awaiting-approval' : summary.status;
    return { ...summary, status, rollout };
  }

  /** The run settled: its rollouts leave memory (their rows stay, for history). */
  function settled(runId: string): void {
    const list = byRun.get(runId);
    if (!list) return;
    forget(runId);
    // Its last wave's decision may not have run yet: the stored rows say how it ended.
    evaluating = evaluating
      .then(async () => {
        for (const live of list) {
          if (live.row.state === 'done' || live.row.state === 'aborted') continue;
          await save(live, { state: live.row.released >= live.row.waves.length ? 'done' : 'aborted', resumeAt: null });
        }
      })
      .catch((error: unknown) => log.error('rollout end not stored', { runId, error: String(error) }));
  }

  async function act(runId: string, action: RolloutAction, requestedBy: string): Promise<Result<RolloutActionResult>> {
    const list = byRun.get(runId);
    if (!list) {
      const stored = await store.rollouts.ofRun(runId);
      return fail(
        stored.length ? 'conflict' : 'not-found',
        stored.length ? `run ${runId} has finished; its rollout takes no more actions` : `run ${runId} has no rollout (or does not exist)`,
      );
    }
    const wanted: readonly RolloutState[] =
      action === 'approve' ? ['awaiting-approval'] : action === 'abort' ? ['running', 'paused', 'awaiting-approval', 'halted'] : ['halted'];
    const targets = list.filter((l) => wanted.includes(l.row.state));
    if (!targets.length) {
      const state = viewOf(runId)?.state ?? 'done';
      return fail('conflict', `run ${runId} is ${state}; ${action} applies to a rollout that is ${wanted.join(' or ')}`);
    }
    let result: { retryRunId?: string; cancelled?: number } = {};
    await (evaluating = evaluating.then(async () => {
      if (action === 'abort') {
        for (const live of targets) {
          if (live.timer) clearTimeout(live.timer);
          await save(live, { state: 'aborted', resumeAt: null });
        }
        const cancelled = deps.jobs().cancelRun(runId);
        result = { cancelled: cancelled?.ok ? cancelled.value.cancelled : 0 };
        log.info('rollout aborted', { runId, by: requestedBy });
        deps.changed(runId);
        return;
      }
      if (action === 'retry') {
        const failedHosts = [...new Set(targets.flatMap((l) => l.row.haltReason?.hosts ?? []))];
        const retry = await retrySubmission(runId, targets, failedHosts, requestedBy);
        if (retry) {
          const submitted = await deps.jobs().submit(retry, requestedBy);
          if (submitted.ok) result = { retryRunId: submitted.value.runId };
          else log.warn('rollout retry not submitted', { runId, error: submitted.error.message });
        }
      }
      for (const live of targets) {
        const accepted = [...new Set([...live.row.accepted, ...(live.row.haltReason?.hosts ?? [])])];
        await save(live, { accepted });
        log.info(`rollout ${action}`, { runId, entry: live.row.entry, by: requestedBy });
        if (live.row.released < live.row.waves.length) await release(live, live.row.released + 1);
        else await done(live);
      }
    }));
    const rollout = viewOf(runId) ?? (await get(runId));
    return rollout ? ok({ rollout, ...result }) : fail('not-found', `run ${runId} has no rollout`);
  }

  /** The failed (job, host) pairs of the halted entries, as a re-run without rollout keys. */
  async function retrySubmission(
    runId: string,
    lives: readonly Live[],
    hosts: readonly string[],
    requestedBy: string,
  ): Promise<RunSubmission | null> {
    const run = await store.history.getRun(runId);
    if (!run || !hosts.length) return null;
    let stored: RunSubmission;
    try {
      stored = JSON.parse(run.submission) as RunSubmission;
    } catch {
      return null;
    }
    const hostSet = new Set(hosts);
    const targets = await store.history.targetsOfRun(runId);
    const failedOn = new Map<string, string[]>();
    for (const t of targets) {
      if (hostSet.has(t.target) && FAILED.has(t.state)) {
        let l = failedOn.get(t.job_id);
        if (!l) failedOn.set(t.job_id, (l = []));
        l.push(t.target);
      }
    }
    const entries = lives.flatMap((live) => {
      const entry = stored.entries[live.row.entry];
      if (!entry) return [];
      const { serial: _s, order: _o, maxFailPercentage: _m, pause: _p, approve: _a, concurrency: _c, ...plain } = entry;
      // Every job of the entry runs again on the failed hosts: a later job of a failed one was refused.
      const jobs = entry.jobs.map((job) => ({ ...job, assign: hosts.filter((h) => live.waveOf.has(h)) }));
      return live.row.jobIds.some((id) => failedOn.has(id)) ? [{ ...plain, jobs }] : [];
    });
    if (!entries.length) return null;
    // No libraryId: the retry is part of the halted run, which holds its Library item already (allowSimultaneous is not asked).
    const { restrict: _r, concurrency: _cc, libraryId: _l, ...rest } = stored;
    return { ...rest, ...(run.source_text !== null ? { sourceText: run.source_text } : {}), entries, requestedBy, rerunOf: runId };
  }

  return {
    plan,
    admitted,
    gate,
    final,
    load,
    get,
    overlay,
    settled,
    act,
    dispose(): void {
      for (const runId of [...byRun.keys()]) forget(runId);
    },
  };
}
