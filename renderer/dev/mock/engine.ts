/**
 * In-memory runs for the mock server: submissions become jobs × targets that "execute" on
 * fake agents with timers, streaming fake output, so the console can be built and tested
 * before the real server exists.
 */
import type { AgentInfo } from '../../../protocol/agents.js';
import type { RunSubmission, RunSubmitted, TargetState } from '../../../protocol/jobs.js';
import { hostStatusOf, isBadOutcome, runStatusOf, type BadOutcome, type RunStatus } from '../../../protocol/states.js';
import type { JobRecord, RunDetail, RunFilter, RunOutputPage, RunSummary, TargetRecord } from '../../../protocol/records.js';
import { fail, ok, type Result } from '../../../protocol/result.js';
import type { OutputAppended, RerunRequest, TargetUpdate } from '../../../protocol/ui-events.js';
import { fakeRun } from './fake-output.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MTarget = Mutable<TargetRecord>;
type MJob = Mutable<Omit<JobRecord, 'targets'>> & { targets: MTarget[]; out: Map<string, { stdout: string; stderr: string }> };
type MRun = Mutable<Omit<RunSummary, 'counts' | 'targets' | 'verbs'>> & {
  sourceText: string | null;
  jobs: MJob[];
  submission: RunSubmission;
  timers: Set<ReturnType<typeof setTimeout>>;
};

export type EngineEvents = Readonly<{
  targets(updates: TargetUpdate[]): void;
  output(chunk: OutputAppended): void;
  run(summary: RunSummary): void;
}>;

const FINAL = new Set<TargetState>(['succeeded', 'failed', 'timed-out', 'lost', 'cancelled']);
let seq = 0;
const id = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36).padStart(3, '0')}`;

export class MockEngine {
  readonly runs = new Map<string, MRun>();
  constructor(
    private readonly fleet: () => AgentInfo[],
    private readonly events: EngineEvents,
  ) {}

  submit(sub: RunSubmission, rerunOf: string | null = null, only?: ReadonlySet<string>): Result<RunSubmitted> {
    if (!sub.entries.length || sub.entries.some((e) => !e.jobs.length))
      return fail('invalid-payload', 'every entry needs at least one job');
    const agents = this.fleet();
    const known = new Set(agents.map((a) => a.identity));
    const online = agents.filter((a) => a.online).map((a) => a.identity);
    const now = Date.now();
    const run: MRun = {
      runId: id('r'),
      kind: sub.kind,
      source: sub.source ?? null,
      requestedBy: sub.requestedBy ?? 'console',
      createdAt: now,
      finishedAt: null,
      status: 'running',
      jobCount: 0,
      rerunOf,
      partOf: null,
      title: sub.kind === 'exec' ? `${sub.entries[0]?.jobs[0]?.verb ?? ''} ${sub.entries[0]?.jobs[0]?.text ?? ''}`.trim() : null,
      sourceText: sub.sourceText ?? null,
      jobs: [],
      submission: sub,
      timers: new Set(),
    };
    sub.entries.forEach((entry, e) => {
      const parentId = id('p');
      for (const job of entry.jobs) {
        let targets = [...new Set(job.assign ?? sub.targets ?? entry.targets ?? online)];
        if (only) targets = targets.filter((t) => only.has(`${e}:${entry.jobs.indexOf(job)}:${t}`));
        if (only && targets.length === 0) continue;
        const jobId = id('j');
        run.jobs.push({
          jobId,
          runId: run.runId,
          parentId,
          parentName: entry.name ?? null,
          parentSha: null,
          jobName: job.name ?? null,
          verb: job.verb,
          sha: jobId.padEnd(56, '0').slice(0, 56),
          text: job.text,
          args: {},
          timeout: 600,
          runOnce: false,
          skipCache: false,
          parentAsync: entry.async ?? false,
          createdAt: now,
          updatedAt: now,
          skippedReason: null,
          targets: targets.map((t) => target(t, now)),
          out: new Map(),
        });
        const last = run.jobs[run.jobs.length - 1] as MJob;
        (last as MJob & { key: string }).key = `${e}:${entry.jobs.indexOf(job)}`;
        for (const t of last.targets)
          if (!known.has(t.target))
            Object.assign(t, { state: 'failed', info: `Target unknown. Available targets ${JSON.stringify([...known])}`, finishedAt: now });
      }
    });
    run.jobCount = run.jobs.length;
    this.runs.set(run.runId, run);
    this.events.run(this.summary(run));
    this.#start(run, agents);
    return ok({
      runId: run.runId,
      jobs: run.jobs.map((j) => ({
        jobId: j.jobId,
        parentId: j.parentId,
        sha: j.sha,
        verb: j.verb,
        targets: j.targets.map((t) => t.target),
      })),
    });
  }

  #start(run: MRun, agents: AgentInfo[]): void {
    const hosts = new Set(run.jobs.flatMap((j) => j.targets.filter((t) => !FINAL.has(t.state)).map((t) => t.target)));
    for (const host of hosts) {
      const index = agents.findIndex((a) => a.identity === host);
      const online = agents[index]?.online ?? false;
      const queue = run.jobs.filter((j) => j.targets.some((t) => t.target === host));
      const next = (k: number) => {
        const job = queue[k];
        if (!job || run.status !== 'running') return this.#settle(run);
        const t = job.targets.find((x) => x.target === host) as MTarget;
        if (!online) {
          this.#set(run, job, t, 'lost', 'agent offline');
          return next(k + 1);
        }
        this.#play(run, job, t, index, () => next(k + 1));
      };
      next(0);
    }
    this.#settle(run);
  }

  #play(run: MRun, job: MJob, t: MTarget, hostIndex: number, done: () => void): void {
    const result = fakeRun(job.verb, job.text, t.target, hostIndex);
    const started = Date.now();
    this.#set(run, job, t, 'dispatched', null);
    this.#later(run, 20, () => {
      this.#set(run, job, t, 'running', null);
      const step = (i: number) => {
        const chunk = result.chunks[i];
        if (!chunk) {
          t.executionTime = (Date.now() - started) / 1000;
          t.roundtripTime = (Date.now() - job.createdAt) / 1000;
          t.exitCode = result.exitCode;
          this.#set(run, job, t, result.ok ? 'succeeded' : 'failed', result.info);
          return done();
        }
        this.#later(run, chunk.delayMs, () => {
          if (chunk.data) {
            const out = job.out.get(t.target) ?? { stdout: '', stderr: '' };
            out[chunk.stream] += chunk.data;
            job.out.set(t.target, out);
            t[chunk.stream === 'stdout' ? 'stdoutBytes' : 'stderrBytes'] += chunk.data.length;
            this.events.output({ runId: run.runId, jobId: job.jobId, target: t.target, stream: chunk.stream, data: chunk.data });
          }
          step(i + 1);
        });
      };
      step(0);
    });
  }

  #later(run: MRun, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      run.timers.delete(timer);
      fn();
    }, ms);
    run.timers.add(timer);
  }

  #set(run: MRun, job: MJob, t: MTarget, state: TargetState, info: string | null): void {
    const now = Date.now();
    t.state = state;
    t.info = info;
    if (state === 'dispatched') t.dispatchedAt = now;
    if (state === 'running') t.startedAt = now;
    if (FINAL.has(state)) t.finishedAt = now;
    job.updatedAt = now;
    this.events.targets([
      {
        runId: run.runId,
        jobId: job.jobId,
        target: t.target,
        state,
        info,
        exitCode: t.exitCode,
        at: now,
        executionTime: t.executionTime,
        roundtripTime: t.roundtripTime,
      },
    ]);
  }

  #settle(run: MRun): void {
    const all = run.jobs.flatMap((j) => j.targets);
    if (run.status === 'running' && all.every((t) => FINAL.has(t.state))) {
      // Each host's states in run order, as the server settles a run (protocol/states.ts).
      const byHost = new Map<string, TargetState[]>();
      for (const job of run.jobs) for (const t of job.targets) byHost.set(t.target, [...(byHost.get(t.target) ?? []), t.state]);
      run.status = statusOf([...byHost.values()]);
      run.finishedAt = Date.now();
    }
    this.events.run(this.summary(run));
  }

  cancel(runId: string): Result<{ cancelled: number }> {
    const run = this.runs.get(runId);
    if (!run) return fail('not-found', `no run ${runId}`);
    for (const timer of run.timers) clearTimeout(timer);
    run.timers.clear();
    let cancelled = 0;
    for (const job of run.jobs) {
      for (const t of job.targets) {
        if (FINAL.has(t.state)) continue;
        this.#set(run, job, t, 'cancelled', 'cancelled from the console');
        cancelled++;
      }
    }
    run.status = 'cancelled';
    run.finishedAt = Date.now();
    this.events.run(this.summary(run));
    return ok({ cancelled });
  }

  rerun(request: RerunRequest): Result<RunSubmitted> {
    const run = this.runs.get(request.runId);
    if (!run) return fail('not-found', `no run ${request.runId}`);
    if (!request.failedOnly) return this.submit(run.submission, run.runId);
    const only = new Set<string>();
    for (const job of run.jobs)
      for (const t of job.targets) if (t.state !== 'succeeded') only.add(`${(job as MJob & { key: string }).key}:${t.target}`);
    if (only.size === 0) return fail('no-targets', 'nothing failed in this run');
    return this.submit(run.submission, run.runId, only);
  }

  summary(run: MRun): RunSummary {
    const counts = { queued: 0, dispatched: 0, running: 0, succeeded: 0, failed: 0, 'timed-out': 0, lost: 0, cancelled: 0 } as Record<
      TargetState,
      number
    >;
    const targets = new Set<string>();
    for (const job of run.jobs)
      for (const t of job.targets) {
        counts[t.state]++;
        targets.add(t.target);
      }
    const { jobs: _j, submission: _s, timers: _t, sourceText: _x, ...rest } = run;
    return { ...rest, targets: [...targets], verbs: [...new Set(run.jobs.map((j) => j.verb))], counts };
  }

  detail(runId: string): Result<RunDetail> {
    const run = this.runs.get(runId);
    if (!run) return fail('not-found', `no run ${runId}`);
    return ok({
      ...this.summary(run),
      sourceText: run.sourceText,
      jobs: run.jobs.map(({ out: _o, ...job }) => ({ ...job, targets: job.targets.map((t) => ({ ...t })) })),
    });
  }

  list(filter: RunFilter): RunSummary[] {
    const text = filter.text?.toLowerCase();
    return [...this.runs.values()]
      .filter((r) => !filter.status || r.status === filter.status)
      .filter((r) => !filter.target || r.jobs.some((j) => j.targets.some((t) => t.target === filter.target)))
      .filter((r) => !filter.verb || r.jobs.some((j) => j.verb === filter.verb))
      .filter(
        (r) =>
          !text || [r.runId, r.source ?? '', r.sourceText ?? '', ...r.jobs.map((j) => j.text)].some((s) => s.toLowerCase().includes(text)),
      )
      .filter((r) => filter.since === undefined || r.createdAt >= filter.since)
      .filter((r) => filter.until === undefined || r.createdAt <= filter.until)
      .filter((r) => filter.before === undefined || r.createdAt < filter.before)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, filter.limit ?? 50)
      .map((r) => this.summary(r));
  }

  output(jobId: string, targetName: string): Result<{ jobId: string; target: string; stdout: string; stderr: string; truncated: boolean }> {
    for (const run of this.runs.values()) {
      const job = run.jobs.find((j) => j.jobId === jobId);
      if (job) {
        const out = job.out.get(targetName) ?? { stdout: '', stderr: '' };
        return ok({ jobId, target: targetName, ...out, truncated: false });
      }
    }
    return fail('not-found', `no job ${jobId}`);
  }

  /** A host's output in a run, all in one page (the mock holds little). */
  runOutput(runId: string, targetName: string): Result<RunOutputPage> {
    const run = this.runs.get(runId);
    if (!run) return fail('not-found', `no run ${runId}`);
    const jobs = run.jobs.flatMap((job) => {
      const out = job.out.get(targetName);
      return out && (out.stdout || out.stderr) ? [{ jobId: job.jobId, ...out }] : [];
    });
    return ok({ runId, target: targetName, jobs, next: null });
  }

  stop(): void {
    for (const run of this.runs.values()) for (const timer of run.timers) clearTimeout(timer);
  }
}

function target(name: string, now: number): MTarget {
  return {
    target: name,
    state: 'queued',
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
  };
}

function statusOf(hosts: TargetState[][]): RunStatus {
  const causes = hosts.map(hostStatusOf).filter((h): h is BadOutcome => isBadOutcome(h as TargetState));
  return runStatusOf(causes, false);
}
