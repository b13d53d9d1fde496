/**
 * Runs one job to its `finished` event (spec 1.3 steps 6–8, bugs 9.3 and 9.4 fixed): parent
 * failure refusal, cache hit, argument validation, the component under its lock with the
 * job's timeout, `--stdout-arg`/`--stderr-arg`, cache states, and the result.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { Component, ComponentResult } from '../../components/define.js';
import type { AgentOutcome, DispatchedJob, JobEvent } from '../../protocol/jobs.js';
import type { JobAbort } from './abort.js';
import { createContext } from './context.js';
import { JobOutput } from './output.js';
import type { AbortReason, HeldJob, JobDeps } from './types.js';

/** After an abort, how long a component may take to notice before the result is reported anyway. */
const ABORT_GRACE_MS = 1500;

type Finish = Readonly<{
  outcome: AgentOutcome;
  info: string;
  exitCode?: number | null;
  startedAt: number;
  finishedAt: number;
  cached?: boolean;
  chunks?: { stdoutChunks: number; stderrChunks: number };
}>;

export function finishedEvent(jobId: string, f: Finish): JobEvent {
  return {
    type: 'finished',
    jobId,
    outcome: f.outcome,
    info: f.info.length > 60_000 ? `${f.info.slice(0, 60_000)}…` : f.info,
    ...(f.exitCode !== undefined ? { exitCode: f.exitCode } : {}),
    executionTime: Math.max(0, (f.finishedAt - f.startedAt) / 1000),
    startedAt: f.startedAt,
    finishedAt: f.finishedAt,
    ...(f.cached ? { cached: true } : {}),
    stdoutChunks: f.chunks?.stdoutChunks ?? 0,
    stderrChunks: f.chunks?.stderrChunks ?? 0,
  };
}

/** Reports a job that never ran (refused, omitted, cancelled while queued, unknown verb). */
export function reportNotRun(deps: JobDeps, jobId: string, outcome: AgentOutcome, info: string, stderr?: string): void {
  const now = Date.now();
  let chunks = { stdoutChunks: 0, stderrChunks: 0 };
  if (stderr) {
    deps.outbox.push({ type: 'output', jobId, stream: 'stderr', seq: 0, data: stderr });
    chunks = { stdoutChunks: 0, stderrChunks: 1 };
  }
  deps.outbox.push(finishedEvent(jobId, { outcome, info, startedAt: now, finishedAt: now, chunks }));
  deps.cache.markSeen(jobId, 'd');
}

/** One compiled checker per argument schema: the interpreted `Value.Check` cost more than a fast job's shell. */
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    checkers.set(schema, checker);
  }
  return checker;
}

/**
 * Per argument schema, the top-level keys that have defaults; null when defaults sit deeper too,
 * or the schema is not a plain object (then only TypeBox's own walk fills them all).
 */
const topDefaults = new WeakMap<TSchema, readonly string[] | null>();

export function topDefaultsOf(schema: TSchema): readonly string[] | null {
  let keys = topDefaults.get(schema);
  if (keys === undefined) {
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    const plainObject = schema.type === 'object' && schema.default === undefined && !Object.values(properties).some(hasDeepDefault);
    keys = plainObject ? Object.keys(properties).filter((k) => (properties[k] as { default?: unknown }).default !== undefined) : null;
    topDefaults.set(schema, keys);
  }
  return keys;
}

/** Whether a `default` sits below this property schema's own top. */
function hasDeepDefault(property: unknown): boolean {
  const visit = (node: unknown, depth: number): boolean => {
    if (node === null || typeof node !== 'object') return false;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'default' && depth > 0) return true;
      if (k !== 'default' && visit(v, depth + 1)) return true;
    }
    return false;
  };
  return visit(property, 0);
}

/** The job's arguments with the schema's defaults, or what is wrong with them. */
function jobFields(component: Component, job: DispatchedJob): { fields: Record<string, unknown> } | { problem: string } {
  // Components with `toJob` receive derived fields, not their argument schema.
  if (component.toJob) return { fields: job.args as Record<string, unknown> };
  const checker = checkerOf(component.args);
  // The server sends every defaulted field already: then the args are used as they came (the
  // clone and TypeBox's default walk cost more than a short job's own bookkeeping).
  const defaults = topDefaultsOf(component.args);
  if (defaults && defaults.every((k) => Object.hasOwn(job.args, k)) && checker.Check(job.args)) return { fields: job.args };
  const fields = Value.Default(component.args, structuredClone(job.args)) as Record<string, unknown>;
  if (checker.Check(fields)) return { fields };
  const first = checker.Errors(fields).First();
  const field = first?.path ? first.path.replace(/^\//, '').replaceAll('/', '.') : '';
  return { problem: `invalid arguments for ${component.verb}: ${field ? `${field}: ` : ''}${first?.message ?? 'invalid'}` };
}

function abortOutcome(reason: AbortReason, job: DispatchedJob): { outcome: AgentOutcome; info: string; stderr: string } {
  switch (reason) {
    case 'timeout':
      return {
        outcome: 'timed-out',
        info: `Timeout encountered after ${job.timeout} s`,
        stderr: `Timeout encountered after ${job.timeout} s\n`,
      };
    case 'cancel':
      return { outcome: 'cancelled', info: 'Job cancelled', stderr: 'Job cancelled\n' };
    case 'shutdown':
      return { outcome: 'failed', info: 'Job interrupted: the agent shut down', stderr: 'Job interrupted: the agent shut down\n' };
  }
}

/** Settles when `run` does, or ABORT_GRACE_MS after the job is aborted, whichever is first. */
function raceAbort<T>(run: Promise<T>, abort: JobAbort): Promise<{ done: true; value: T } | { done: false }> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => resolve({ done: false }), ABORT_GRACE_MS);
    };
    const detach = abort.onAbort(onAbort);
    if (abort.aborted) onAbort();
    run.then(
      (value) => {
        clearTimeout(timer);
        detach();
        resolve({ done: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        detach();
        reject(error);
      },
    );
  });
}

export async function runJob(deps: JobDeps, held: HeldJob): Promise<void> {
  const { job, abort } = held;
  const { cache } = deps;
  if (abort.reason !== undefined) {
    const a = abortOutcome(abort.reason, job);
    reportNotRun(deps, job.jobId, a.outcome, a.info);
    return;
  }
  if (cache.parentState(job.parentId) === 'failed') {
    reportNotRun(
      deps,
      job.jobId,
      'failed',
      `Job [ ${job.jobId} ] was not allowed to run because there was a failure under this parent ID [ ${job.parentId} ]`,
    );
    return;
  }
  const component = deps.components.get(job.verb);
  if (!component) {
    const message = `Job [ ${job.jobId} ] unknown verb ${job.verb}; this agent has ${[...deps.components.keys()].sort().join(', ')}`;
    reportNotRun(deps, job.jobId, 'failed', message, `${message}\n`);
    cache.setParentState(job.parentId, 'failed');
    return;
  }
  if (component.cacheable && !job.skipCache && cache.jobState(job.sha) === 'succeeded') {
    const now = Date.now();
    deps.outbox.push(
      finishedEvent(job.jobId, { outcome: 'succeeded', info: 'task skipped', startedAt: now, finishedAt: now, cached: true }),
    );
    cache.markSeen(job.jobId, 'd');
    cache.setParentState(job.parentId, 'succeeded');
    return;
  }

  const startedAt = Date.now();
  deps.outbox.push({ type: 'started', jobId: job.jobId, at: startedAt });
  cache.markSeen(job.jobId, 'r');
  const output = new JobOutput(job.jobId, deps.outputCapBytes, (e) => deps.outbox.push(e), {
    stdout: Boolean(job.stdoutArg),
    stderr: Boolean(job.stderrArg),
  });
  const release = component.requiresLock ? await deps.locks.acquire(component.lockName ?? component.verb.toLowerCase()) : null;
  const timer = job.timeout > 0 ? setTimeout(() => abort.abort('timeout'), job.timeout * 1000) : undefined;
  let outcome: AgentOutcome;
  let info: string;
  let exitCode: number | null | undefined;
  try {
    const args = jobFields(component, job);
    if ('problem' in args) throw new Error(args.problem);
    const ctx = createContext(deps, job, abort, output);
    const settled = await raceAbort<ComponentResult>(component.run(ctx, args.fields), abort);
    if (abort.reason !== undefined) {
      const a = abortOutcome(abort.reason, job);
      if (!settled.done) deps.log.warn('component did not stop after abort; reporting anyway', { jobId: job.jobId, verb: job.verb });
      output.write('stderr', a.stderr);
      ({ outcome, info } = a);
      exitCode = null;
    } else {
      const result = (settled as { done: true; value: ComponentResult }).value;
      outcome = result.ok ? 'succeeded' : 'failed';
      info = result.info ?? (result.ok ? 'task finished' : 'task failed');
      exitCode = result.exitCode;
    }
  } catch (error) {
    if (abort.reason !== undefined) {
      const a = abortOutcome(abort.reason, job);
      output.write('stderr', a.stderr);
      ({ outcome, info } = a);
      exitCode = null;
    } else {
      const message = error instanceof Error ? error.message : String(error);
      output.write('stderr', `Job [ ${job.jobId} ] Component Failure: ${message}\n`);
      outcome = 'failed';
      info = `Component Failure: ${message}`;
    }
  } finally {
    clearTimeout(timer);
    release?.();
  }
  // --stdout-arg/--stderr-arg store what the job printed, whatever the outcome, and never change it.
  const stored: Record<string, string> = {};
  if (job.stdoutArg) stored[job.stdoutArg] = output.captured('stdout').trim();
  if (job.stderrArg) stored[job.stderrArg] = output.captured('stderr').trim();
  if (Object.keys(stored).length) cache.setArgs(stored);
  const chunks = output.close();
  deps.outbox.push(finishedEvent(job.jobId, { outcome, info, exitCode, startedAt, finishedAt: Date.now(), chunks }));
  cache.recordDone(job.jobId, job.sha, job.parentId, outcome === 'succeeded' ? 'succeeded' : 'failed');
}
