/**
 * A run as the output view sees it: jobs in order, every (job, host) state, per-host logs,
 * status counts and groups of hosts with identical output. Plain TS (no runes) so it is
 * testable under node:test; the view re-reads it when `version` changes.
 */
import type { TargetState } from '#protocol/jobs.js';
import type { JobRecord, RunDetail, TargetRecord } from '#protocol/records.js';
import type { OutputAppended, TargetUpdate } from '#protocol/ui-events.js';
import { hostStatusOf, HOST_STATUSES, type HostStatus } from '#protocol/states.js';
import { HostLog } from './host-log.js';

export { HOST_STATUSES, type HostStatus };

type Cell = {
  state: TargetState;
  info: string | null;
  executionTime: number | null;
  roundtripTime: number | null;
  exitCode: number | null;
};
export type RunJob = Readonly<{ jobId: string; order: number; verb: string; text: string; name: string | null }>;
export type HostGroup = Readonly<{ hosts: readonly string[]; log: HostLog }>;

export function headerFor(job: Pick<RunJob, 'verb' | 'text' | 'name'>): string {
  const text = job.text.length > 200 ? job.text.slice(0, 200) + '…' : job.text;
  return `${job.verb} ${text}${job.name ? `  (${job.name})` : ''}`;
}

export class RunModel {
  jobs: RunJob[] = [];
  detail: RunDetail | null = null;
  version = 0;
  readonly #order = new Map<string, RunJob>();
  readonly #cells = new Map<string, Map<string, Cell>>();
  readonly #logs = new Map<string, HostLog>();
  #pending: OutputAppended[] = [];

  constructor(readonly runId: string) {}

  load(detail: RunDetail): void {
    this.detail = detail;
    detail.jobs.forEach((job, order) => this.#addJob(job, order));
    const pending = this.#pending;
    this.#pending = [];
    this.applyOutput(pending);
    this.version++;
  }

  #addJob(job: JobRecord, order: number): void {
    const entry: RunJob = { jobId: job.jobId, order, verb: job.verb, text: job.text, name: job.jobName };
    if (!this.#order.has(job.jobId)) this.jobs.push(entry);
    this.#order.set(job.jobId, entry);
    for (const t of job.targets) this.#setCell(job.jobId, t.target, t);
  }

  #setCell(jobId: string, target: string, t: Cell | TargetRecord): void {
    let row = this.#cells.get(target);
    if (!row) {
      row = new Map();
      this.#cells.set(target, row);
    }
    row.set(jobId, { state: t.state, info: t.info, executionTime: t.executionTime, roundtripTime: t.roundtripTime, exitCode: t.exitCode });
    const job = this.#order.get(jobId);
    if (job) this.log(target).ensureJob(jobId, job.order, headerFor(job));
  }

  log(host: string): HostLog {
    let log = this.#logs.get(host);
    if (!log) {
      log = new HostLog(host);
      this.#logs.set(host, log);
    }
    return log;
  }

  applyTargets(updates: readonly TargetUpdate[]): void {
    let changed = false;
    for (const u of updates) {
      if (u.runId !== this.runId) continue;
      this.#setCell(u.jobId, u.target, u);
      changed = true;
    }
    if (changed) this.version++;
  }

  applyOutput(chunks: readonly OutputAppended[]): void {
    let changed = false;
    for (const c of chunks) {
      if (c.runId !== this.runId) continue;
      if (!this.#order.has(c.jobId)) {
        this.#pending.push(c);
        continue;
      }
      const job = this.#order.get(c.jobId) as RunJob;
      const log = this.log(c.target);
      log.ensureJob(c.jobId, job.order, headerFor(job));
      log.append(c.jobId, c.stream, c.data);
      changed = true;
    }
    if (changed) this.version++;
  }

  hosts(): string[] {
    return [...this.#cells.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  }

  cell(host: string, jobId: string): Cell | undefined {
    return this.#cells.get(host)?.get(jobId);
  }

  /** The state of the host's first job (in run order) that did not succeed, as the server counts it. */
  hostStatus(host: string): HostStatus {
    const row = this.#cells.get(host);
    if (!row) return 'queued';
    const states: TargetState[] = [];
    for (const job of this.jobs) {
      const cell = row.get(job.jobId);
      if (cell) states.push(cell.state);
    }
    // Cells of jobs the detail has not listed yet (live updates before load) come last.
    if (states.length < row.size) for (const [jobId, cell] of row) if (!this.#order.has(jobId)) states.push(cell.state);
    return hostStatusOf(states);
  }

  /** Seconds in components (sum) and the slowest roundtrip, for the pane header. */
  hostTiming(host: string): { execution: number; roundtrip: number | null } {
    let execution = 0;
    let roundtrip: number | null = null;
    for (const c of this.#cells.get(host)?.values() ?? []) {
      execution += c.executionTime ?? 0;
      if (c.roundtripTime !== null) roundtrip = Math.max(roundtrip ?? 0, c.roundtripTime);
    }
    return { execution, roundtrip };
  }

  counts(): Record<HostStatus, number> {
    const counts = Object.fromEntries(HOST_STATUSES.map((s) => [s, 0])) as Record<HostStatus, number>;
    for (const host of this.#cells.keys()) counts[this.hostStatus(host)]++;
    return counts;
  }

  /** Hosts whose output and status are identical, biggest group first. */
  groups(): HostGroup[] {
    const bySig = new Map<string, string[]>();
    for (const host of this.hosts()) {
      const sig = this.hostStatus(host) + '#' + this.log(host).signature();
      const list = bySig.get(sig) ?? [];
      list.push(host);
      bySig.set(sig, list);
    }
    return [...bySig.values()]
      .map((hosts) => ({ hosts, log: this.log(hosts[0] as string) }))
      .sort((a, b) => b.hosts.length - a.hosts.length);
  }

  /** (job, host) pairs, for fetching stored output of a past run. */
  pairs(): { jobId: string; target: string }[] {
    const out: { jobId: string; target: string }[] = [];
    for (const [target, row] of this.#cells) for (const jobId of row.keys()) out.push({ jobId, target });
    return out;
  }
}
