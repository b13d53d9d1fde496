/**
 * The job flow: submission → stored plan → dispatch per agent; reconciliation when an agent says
 * hello; lost work when an agent expires; cancellation. Agent results are applied by
 * `events.service.ts` through the same state.
 */
import { randomUUID } from 'node:crypto';
import type { DispatchedJob, RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { LIMITS } from '../../protocol/version.js';
import type { SecretValue } from '../../protocol/secret-mask.js';
import { secretRefs } from '../../protocol/secret-refs.js';
import type { AgentLink } from './agent-link.js';
import type { NewJob, NewRun, RolloutRow, Store, StoreTx } from '../store/types.js';
import type { JobsState } from './jobs.state.js';
import { emptyCounts, liveRunSummary, liveTarget, settledStatus, type LiveJob, type LiveRun, type LiveTarget } from './live.js';
import { isStorageFull, type StorageGuard } from '../util/storage.js';
import { planSubmission, type Plan, type PlanDeps } from './submit.plan.js';
import { patternSummary, resolveSubmissionTargets } from '../inventory/targets.js';

export type JobsServiceDeps = Readonly<{
  store: Pick<Store, 'jobs' | 'transaction'>;
  /** The first free job sequence number (`store.jobs.nextSeq()` at start). */
  nextSeq: number;
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
  /**
   * Resolves target patterns against the inventory (server/inventory/targets.ts), before the
   * plan; without it only plain identities are accepted.
   */
  resolveTargets?: (submission: RunSubmission) => Result<RunSubmission>;
  /** A host's inventory vars, sent with each job it is given (templates see them under ARGs and vars). */
  inventoryVarsOf?: (identity: string) => Readonly<Record<string, unknown>>;
  /** Waves and concurrency caps (issue #17): which queued jobs may go to an agent now. */
  rollouts?: RolloutHooks;
  /** Secrets (issue #18): their versions for the job SHA at submit, their values for the agents at dispatch. */
  secrets?: SecretsLink;
}>;

/** What the jobs service asks of the secrets (server/secrets/secrets.service.ts). */
export type SecretsLink = Readonly<{
  versions(names: readonly string[]): Result<Record<string, number>>;
  resolve(names: readonly string[]): SecretValue[];
}>;

/** The secret names a (stored, possibly reloaded) job's templates use; computed once per job object. */
const namesOf = new WeakMap<DispatchedJob, readonly string[]>();
function secretNamesOf(job: DispatchedJob): readonly string[] {
  let names = namesOf.get(job);
  if (!names) namesOf.set(job, (names = secretRefs(job.args, job.vars)));
  return names;
}

/** What the jobs service asks of the rollouts (server/rollouts/). */
export type RolloutHooks = Readonly<{
  /** The rollout rows of a submission about to be stored (stored in the same unit of work). */
  plan(submission: RunSubmission, plan: Plan, now: number): RolloutRow[];
  /** The submission and its rollouts were stored and admitted (before anything is dispatched). */
  admitted(rows: readonly RolloutRow[]): void;
  /** Of `jobs` (in order) for `identity`, the ones that may be dispatched now. */
  gate(identity: string, jobs: readonly LiveJob[]): readonly LiveJob[];
}>;

/**
 * Writes a caller makes in the unit of work that stores its submission (a schedule records its
 * fire time there); false declines the submission and rolls everything back (`conflict`).
 */
export type WithinSubmission = (tx: StoreTx, runId: string) => boolean;

export type SubmitOptions = Readonly<{ within?: WithinSubmission; admit?: (hosts: readonly string[]) => Result<null> }>;

/** Thrown inside the unit of work to roll it back when `within` declines. */
class Declined extends Error {}

/** Thrown inside the unit of work: the run's Library item is still running (and does not allow simultaneous runs). */
class AlreadyRunning extends Error {
  constructor(
    readonly libraryId: string,
    readonly running: Readonly<{ runId: string; name: string }>,
  ) {
    super('already running');
  }
}

export type Reconciled = Readonly<{ redispatched: number; send: () => void }>;

export type JobsService = ReturnType<typeof createJobsService>;

/** Half the message limit, so a dispatch stays well inside it. */
const DISPATCH_BYTES = LIMITS.maxMessageBytes / 2;

export function createJobsService(deps: JobsServiceDeps) {
  const { store: db, state, link, clock, log } = deps;
  let nextSeq = deps.nextSeq;
  const timers = new Set<NodeJS.Timeout>();

  /** Sends jobs to one agent in order, split to respect the batch and message limits. */
  function dispatchTo(identity: string, all: readonly LiveJob[]): void {
    const jobs = deps.rollouts ? deps.rollouts.gate(identity, all) : all;
    let chunk: LiveJob[] = [];
    let bytes = 0;
    const send = () => {
      if (!chunk.length) return;
      const sent = chunk;
      chunk = [];
      bytes = 0;
      const vars = deps.inventoryVarsOf?.(identity);
      const withVars =
        vars && Object.keys(vars).length ? (j: LiveJob) => ({ ...j.dispatched, inventoryVars: vars }) : (j: LiveJob) => j.dispatched;
      // Secret values go into this message only (a copy of the job), never into the stored or live job.
      const withSecrets = (j: LiveJob): DispatchedJob => {
        const job = withVars(j);
        const names = secretNamesOf(j.dispatched);
        return names.length && deps.secrets ? { ...job, secrets: deps.secrets.resolve(names) } : job;
      };
      void link.dispatch(identity, sent.map(withSecrets)).then((acked) => {
        if (acked)
          state.dispatched(
            identity,
            sent.map((j) => j.jobId),
          );
      });
    };
    for (const job of jobs) {
      if (chunk.length >= LIMITS.maxBatchEvents || (chunk.length && bytes + job.approxBytes > DISPATCH_BYTES)) send();
      chunk.push(job);
      bytes += job.approxBytes + 512;
    }
    send();
  }

  /** The submission's plan (parsed jobs, resolved targets) without storing or sending anything. */
  function preview(written: RunSubmission, now: number): Result<Plan> {
    // The same target patterns and unknown-target check as submit, so a plan names the hosts a run would reach.
    const resolved = deps.resolveTargets ? deps.resolveTargets(written) : resolveSubmissionTargets(written, null);
    if (!resolved.ok) return resolved;
    return planSubmission(resolved.value, {
      ...deps.components,
      online: link.onlineIdentities(),
      isKnown: link.isKnown,
      ...(link.knownIdentities ? { knownIdentities: () => link.knownIdentities?.() ?? [] } : {}),
      ...(link.isRebooting ? { isRebooting: (identity: string) => link.isRebooting?.(identity) === true } : {}),
      ...(deps.secrets ? { secretVersions: deps.secrets.versions } : {}),
      newId: randomUUID,
      now,
    });
  }

  /**
   * `within`: writes made in the unit of work that stores the run (a schedule's fire time).
   * `admit`: asked with every host the planned run reaches, before anything is stored or dispatched (an operator's scope).
   */
  function submit(written: RunSubmission, requestedBy: string, options: SubmitOptions = {}): Promise<Result<RunSubmitted>> {
    const { within, admit } = options;
    const resolved = deps.resolveTargets ? deps.resolveTargets(written) : resolveSubmissionTargets(written, null);
    if (!resolved.ok) return Promise.resolve(resolved);
    const submission = resolved.value;
    const now = clock();
    const planned = planSubmission(submission, {
      ...deps.components,
      online: link.onlineIdentities(),
      isKnown: link.isKnown,
      ...(link.knownIdentities ? { knownIdentities: () => link.knownIdentities?.() ?? [] } : {}),
      ...(link.isRebooting ? { isRebooting: (identity: string) => link.isRebooting?.(identity) === true } : {}),
      ...(deps.hasBlob ? { hasBlob: deps.hasBlob } : {}),
      ...(deps.secrets ? { secretVersions: deps.secrets.versions } : {}),
      newId: randomUUID,
      now,
    });
    if (!planned.ok) return Promise.resolve(planned);
    const admitted = admit?.(planned.value.jobs.flatMap((j) => j.targets.map((t) => t.target)));
    if (admitted && !admitted.ok) return Promise.resolve(admitted);
    return store(planned.value, submission, requestedBy, now, within);
  }

  /**
   * A job the server itself creates (QUERY's follow-up ARG, spec 4.10): already-built fields, its
   * own run (kind exec, requested by `server`), every target online; bypasses the agents' queues.
   */
  function submitInternal(
    request: Readonly<{
      verb: string;
      args: Record<string, unknown>;
      sha: string;
      text: string;
      targets: readonly string[];
      source: string;
      partOf: string | null;
    }>,
  ): Promise<Result<RunSubmitted>> {
    const now = clock();
    const runId = randomUUID();
    const jobId = randomUUID();
    const online = new Set(link.onlineIdentities());
    const targets = request.targets.filter((t) => online.has(t));
    if (!targets.length) return Promise.resolve(fail('no-targets', 'no agents are online'));
    const plan = {
      runId,
      jobs: [
        {
          job: {
            jobId,
            runId,
            parentId: jobId,
            verb: request.verb,
            args: request.args,
            sha: request.sha,
            timeout: 600,
            skipCache: true,
            parentAsync: false,
          },
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
    const submission: RunSubmission = {
      kind: 'exec',
      source: request.source,
      entries: [{ jobs: [{ verb: request.verb, text: request.text }] }],
      requestedBy: 'server',
    };
    return store(plan, submission, 'server', now, undefined, request.partOf);
  }

  async function store(
    plan: Plan,
    submission: RunSubmission,
    requestedBy: string,
    now: number,
    within?: WithinSubmission,
    partOf: string | null = null,
  ): Promise<Result<RunSubmitted>> {
    const counts = emptyCounts();
    // Reserved before the commit, so a submission arriving meanwhile gets the next numbers.
    const firstSeq = nextSeq;
    nextSeq += plan.jobs.length;
    const targetNames = new Set<string>();
    const verbs = new Set<string>();
    const rows: NewJob[] = [];
    for (const [i, p] of plan.jobs.entries()) {
      verbs.add(p.job.verb);
      for (const t of p.targets) {
        targetNames.add(t.target);
        counts[t.state]++;
      }
      rows.push({
        seq: firstSeq + i,
        job: p.job,
        parentSha: p.parentSha,
        text: p.text,
        runOnce: p.runOnce,
        createdAt: now,
        skippedReason: p.skippedReason,
        targets: p.targets,
        blobs: p.blobs,
      });
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
      libraryId: submission.libraryId ?? null,
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
      pattern: patternSummary(submission.targetPatterns),
      counts,
      open: counts.queued,
      cancelRequested: false,
      jobs: new Set(),
    };
    const summary = liveRunSummary(run);
    let settled: RunSummary | null = run.open === 0 ? { ...summary, status: settledStatus(counts, false), finishedAt: now } : null;
    const rollouts = settled ? [] : (deps.rollouts?.plan(submission, plan, now) ?? []);
    try {
      await db.transaction((all) => {
        const running = submission.libraryId ? all.jobs.runningOfLibrary(submission.libraryId) : null;
        if (running && submission.libraryId) throw new AlreadyRunning(submission.libraryId, running);
        all.jobs.insertSubmission(runRow, rows);
        for (const r of rollouts) all.rollouts.insert(r);
        if (settled) settled = { ...settled, status: all.jobs.settleRun(run.runId, settled.status === 'cancelled', now, counts) };
        if (within && !within(all, run.runId)) throw new Declined();
      });
    } catch (error) {
      if (error instanceof Declined) return fail('conflict', 'the submission was declined in its unit of work (already handled)');
      if (error instanceof AlreadyRunning) {
        const { runId, name } = error.running;
        return fail('already-running', `library item ${name} is already running as run ${runId}; allow simultaneous runs in its settings`, {
          details: { runId, libraryId: error.libraryId, library: name },
        });
      }
      if (isStorageFull(error) && deps.storage) return deps.storage.full('the submission', error);
      log.error('submission not stored', { error: String(error) });
      return fail('internal', 'the submission could not be stored; see the server log');
    }
    deps.storage?.recovered();
    const perAgent = settled
      ? new Map<string, LiveJob[]>()
      : state.admit(
          run,
          plan.jobs.map((p) => {
            const job: LiveJob = {
              jobId: p.job.jobId,
              runId: run.runId,
              createdAt: now,
              dispatched: p.job,
              approxBytes: p.text.length * 2,
              targets: new Map(),
              open: 0,
            };
            for (const record of p.targets) job.targets.set(record.target, liveTarget(record, job.jobId, run.runId));
            return job;
          }),
        );
    if (rollouts.length) deps.rollouts?.admitted(rollouts);
    deps.runUpdated(settled ?? summary);
    for (const [identity, jobs] of perAgent) dispatchTo(identity, jobs);
    log.debug('run submitted', { runId: run.runId, jobs: rows.length, agents: perAgent.size });
    return ok({
      runId: run.runId,
      ...(rollouts.length ? { rollout: true } : {}),
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
    const { cancel, resend, forgotten } = state.reconcile(identity, activeJobs);
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
      state.lose(targets, `agent ${identity} restarted and no longer runs this job`);
    }, deps.heartbeatIntervalMs * 3);
    timer.unref();
    timers.add(timer);
  }

  /** The agent's heartbeat expired: what it was given or running is lost; queued work waits. */
  function agentExpired(identity: string): number {
    const lost = state.expire(identity);
    if (lost) log.warn('agent expired; its running jobs are lost', { identity, lost });
    return lost;
  }

  /** Null when the run is not open (unknown or already settled). */
  function cancelRun(runId: string): Result<{ cancelled: number }> | null {
    const plan = state.cancel(runId, link.isOnline);
    if (!plan) return null;
    for (const [identity, ids] of plan.perAgent) link.cancel(identity, ids);
    log.info('run cancelled', { runId, cancelled: plan.cancelled });
    return ok({ cancelled: plan.cancelled });
  }

  return {
    submit,
    preview,
    submitInternal,
    reconcile,
    agentExpired,
    cancelRun,
    /** Sends `identity` its queued jobs of `runId` that the rollout now lets go (in order). */
    dispatchQueued(identity: string, runId: string): void {
      dispatchTo(identity, state.queuedOf(identity, runId));
    },
    isOpen: state.isOpen,
    liveRun: state.liveRun,
    /** Deletes settled history; open runs stay. */
    purge: async (): Promise<number> => {
      const purged = await db.jobs.purgeSettled();
      state.forgetRuns();
      deps.afterPurge?.();
      return purged;
    },
    dispose(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return state.flush();
    },
  };
}

/** An `exec` run's title in History: its command, as the CLI was given it (`RUN echo hi`). */
function execTitle(job: Readonly<{ job: { verb: string }; text: string }> | undefined): string | null {
  if (!job) return null;
  const line = `${job.job.verb} ${job.text}`.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
