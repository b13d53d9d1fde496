/**
 * Fires schedules. Each fire time is handled once: the run it starts and the schedule's
 * `last_fired_at` are written in one unit of work, guarded so a second commit of the same fire
 * time changes nothing (a restart at that moment, a late timer) and rolls its run back.
 *
 * At each evaluation (`tick`, from one timer armed for the earliest next fire time, or called
 * with a fake clock in tests), for each enabled schedule the latest fire time not handled yet is:
 * - on time (within `graceMs` of now): fired;
 * - late (the server was down, or busy): fired once under `misfire: run-once`, recorded as
 *   missed under `misfire: skip`. Earlier missed fire times are never replayed one by one.
 * Firing while the schedule's previous run is still open follows `overlap`: `skip` records the
 * fire time without a run; `queue` holds it (one at most) until that run settles; `allow` runs.
 * Independently, a run of a Library item is refused while any run of that item (from the console,
 * another schedule, a trigger) is unfinished unless the item allows simultaneous runs: the fire
 * time is then handled, recorded as `skipped-running` (naming the running run), and notified as
 * a failed run would be. `overlap: allow` therefore needs the item's `allowSimultaneous` too.
 */
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { Result } from '../../protocol/result.js';
import type { ScheduleRow, Store, StoreTx } from '../store/types.js';
import { parseCron, type CronPlan } from './cron.js';
import { automationSubmission, runningRunOf, type NotStarted, type SourceDeps } from './source.js';

/** The job path's submit, with writes to make inside the submission's unit of work (false: roll it back). */
export type SubmitWithin = (
  submission: RunSubmission,
  requestedBy: string,
  within: (tx: StoreTx, runId: string) => boolean,
) => Promise<Result<RunSubmitted>>;

export type FireRecord = Readonly<{
  schedule: string;
  at: number;
  outcome: 'run' | 'skipped-overlap' | 'skipped-running' | 'queued' | 'missed' | 'failed' | 'duplicate';
  runId: string | null;
  lagMs: number;
  detail?: string;
}>;

export type SchedulerDeps = Readonly<{
  store: Pick<Store, 'schedules' | 'library' | 'transaction'>;
  clock: () => number;
  log: Logger;
  submit: SubmitWithin;
  /** Whether a run is still open (the overlap policies ask about the schedule's last run). */
  isOpen: (runId: string) => boolean;
  lookup?: SourceDeps['lookup'];
  /** A fire time later than this is a misfire. Default 10 s. */
  graceMs?: number;
  /** Armed timers never sleep longer than this (a wall-clock jump is noticed within it). Default 30 s. */
  maxSleepMs?: number;
  /** Real timers by default; false leaves evaluation to explicit `tick()` calls (tests with a fake clock). */
  timers?: boolean;
  onFire?: (record: FireRecord) => void;
  /** A fire refused because its Library item is still running (notifications send it as a failure). */
  notStarted?: (notice: NotStarted) => void;
}>;

export type Scheduler = ReturnType<typeof createScheduler>;

export function createScheduler(deps: SchedulerDeps) {
  const { store, clock, log } = deps;
  const graceMs = deps.graceMs ?? 10_000;
  const maxSleepMs = deps.maxSleepMs ?? 30_000;
  const plans = new Map<string, { cron: string; tz: string | null; plan: CronPlan }>();
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  function planOf(row: ScheduleRow): CronPlan | null {
    const cached = plans.get(row.id);
    if (cached && cached.cron === row.cron && cached.tz === row.tz) return cached.plan;
    const parsed = parseCron(row.cron, row.tz);
    if (!parsed.ok) {
      log.warn('schedule has an unusable cron expression', { schedule: row.name, error: parsed.error.message });
      return null;
    }
    plans.set(row.id, { cron: row.cron, tz: row.tz, plan: parsed.value });
    return parsed.value;
  }

  const record = (r: FireRecord) => {
    deps.onFire?.(r);
    const fields = {
      schedule: r.schedule,
      at: new Date(r.at).toISOString(),
      runId: r.runId,
      lagMs: r.lagMs,
      ...(r.detail ? { detail: r.detail } : {}),
    };
    if (r.outcome === 'run') log.info('schedule fired', fields);
    else if (r.outcome === 'duplicate') log.debug('schedule fire time already handled', fields);
    else log.warn(`schedule fire ${r.outcome}`, fields);
  };

  /** Starts the schedule's run for fire time `at`; `release` when it takes a queued fire time. */
  async function start(row: ScheduleRow, at: number, release: boolean): Promise<void> {
    const requestedBy = `schedule:${row.name}`;
    const submission = await automationSubmission(
      row,
      { target: row.target, vars: row.vars, requestedBy },
      { library: store.library, ...(deps.lookup ? { lookup: deps.lookup } : {}) },
    );
    const within = (tx: StoreTx, runId: string) =>
      release ? tx.schedules.takeQueued(row.id, at, runId) : tx.schedules.markFired(row.id, at, runId, null);
    const result = submission.ok ? await deps.submit(submission.value, requestedBy, within) : submission;
    const lagMs = clock() - at;
    if (result.ok) return record({ schedule: row.name, at, outcome: 'run', runId: result.value.runId, lagMs });
    if (result.error.code === 'conflict') return record({ schedule: row.name, at, outcome: 'duplicate', runId: null, lagMs });
    // The fire time is handled even when its run could not start (no agents, a broken file): retrying it forever helps no one.
    const handled = await store.transaction((tx) =>
      release ? tx.schedules.takeQueued(row.id, at, null) : tx.schedules.markFired(row.id, at, null, null),
    );
    if (handled && result.error.code === 'already-running') {
      const runningRunId = runningRunOf(result.error);
      record({ schedule: row.name, at, outcome: 'skipped-running', runId: runningRunId, lagMs, detail: result.error.message });
      deps.notStarted?.({
        libraryId: row.libraryId,
        source: submission.ok ? (submission.value.source ?? requestedBy) : requestedBy,
        requestedBy,
        reason: result.error.message,
        runningRunId,
        at: clock(),
      });
      return;
    }
    record({ schedule: row.name, at, outcome: handled ? 'failed' : 'duplicate', runId: null, lagMs, detail: result.error.message });
  }

  async function evaluate(current: ScheduleRow, now: number): Promise<void> {
    let row = current;
    if (row.queuedAt !== null && !(row.lastRunId !== null && deps.isOpen(row.lastRunId))) {
      await start(row, row.queuedAt, true);
      const fresh = await store.schedules.byName(row.name);
      if (!fresh) return;
      row = fresh;
    }
    const plan = planOf(row);
    if (!plan) return;
    const base = row.lastFiredAt ?? row.createdAt;
    const latest = plan.latest(now);
    if (latest === null || latest <= base) return;
    const lagMs = now - latest;
    if (lagMs > graceMs && row.misfire === 'skip') {
      if (await store.transaction((tx) => tx.schedules.markFired(row.id, latest, null, null)))
        record({ schedule: row.name, at: latest, outcome: 'missed', runId: null, lagMs });
      return;
    }
    const stillOpen = row.lastRunId !== null && deps.isOpen(row.lastRunId);
    if (stillOpen && row.overlap !== 'allow') {
      const queuedAt = row.overlap === 'queue' ? (row.queuedAt ?? latest) : null;
      if (await store.transaction((tx) => tx.schedules.markFired(row.id, latest, null, queuedAt))) {
        record({
          schedule: row.name,
          at: latest,
          outcome: row.overlap === 'queue' ? 'queued' : 'skipped-overlap',
          runId: row.lastRunId,
          lagMs,
        });
      }
      return;
    }
    await start(row, latest, false);
  }

  async function tick(): Promise<void> {
    const now = clock();
    const rows = await store.schedules.all();
    for (const row of rows) {
      if (!row.enabled || closed) continue;
      try {
        await evaluate(row, now);
      } catch (error) {
        log.error('schedule evaluation failed', { schedule: row.name, error: String(error) });
      }
    }
    const live = new Set(rows.map((r) => r.id));
    for (const id of plans.keys()) if (!live.has(id)) plans.delete(id);
    if (deps.timers !== false) await arm();
  }

  /** Evaluations never overlap: each waits for the one before. */
  function run(): Promise<void> {
    const next = chain.then(tick, tick);
    chain = next.catch(() => {});
    return next;
  }

  async function arm(): Promise<void> {
    if (closed) return;
    if (timer) clearTimeout(timer);
    const now = clock();
    let soonest = now + maxSleepMs;
    for (const row of await store.schedules.all()) {
      if (!row.enabled) continue;
      const next = planOf(row)?.next(Math.max(now, row.lastFiredAt ?? 0));
      if (next !== null && next !== undefined && next < soonest) soonest = next;
    }
    timer = setTimeout(() => void run(), Math.max(0, soonest - clock()));
    timer.unref();
  }

  return {
    /** Evaluates every schedule now (and re-arms the timer). */
    tick: run,
    /** A run settled: a fire time queued behind it may start. */
    runSettled(runId: string): void {
      void store.schedules.all().then((rows) => {
        if (rows.some((r) => r.enabled && r.queuedAt !== null && r.lastRunId === runId)) void run();
      });
    },
    /** Schedules changed (added, paused, resumed, removed): re-evaluate and re-arm. */
    changed: (): Promise<void> => run(),
    upcoming(row: ScheduleRow, n: number): number[] {
      if (!row.enabled) return [];
      return planOf(row)?.upcoming(Math.max(clock(), row.lastFiredAt ?? 0), n) ?? [];
    },
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await chain;
    },
  };
}
