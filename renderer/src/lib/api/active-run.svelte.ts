/**
 * The run shown in the Run view: its detail, live target states and per-host output.
 * Socket events are queued and applied once per animation frame (FrameBatcher); the view
 * redraws when `version` changes. Output already stored is fetched per host, a page of jobs at a
 * time (`runs:output`): one request per job made a 1000-job run on 2 hosts take 5 s to fill.
 */
import type { RunOutputPage } from '#protocol/records.js';
import type { Result } from '#protocol/result.js';
import type { OutputAppended, TargetUpdate } from '#protocol/ui-events.js';
import { FrameBatcher } from '../../features/run/frame-batcher.js';
import { RunModel } from '../../features/run/run-model.js';
import { client } from './client.svelte.js';

type Incoming = { kind: 'targets'; updates: TargetUpdate[] } | { kind: 'output'; chunks: OutputAppended[] };

const FETCH_CONCURRENCY = 6;
/** Output seen for runs not opened yet (we subscribe to '*' just before a submit), capped. */
const EARLY_LIMIT = 20_000;

export class ActiveRun {
  model = $state.raw<RunModel | null>(null);
  version = $state(0);
  loading = $state(false);
  error = $state('');
  #early: OutputAppended[] = [];
  /** Tail of output just fetched per `jobId target`: a live chunk equal to it is the same data arriving late. */
  #fetchedTails = new Map<string, { tail: string; until: number }>();
  #earlyTargets: TargetUpdate[] = [];
  #batcher = new FrameBatcher<Incoming>((items) => this.#flush(items));

  constructor() {
    client.on('targets:updated', (updates) => this.#batcher.push([{ kind: 'targets', updates }]));
    client.on('output:appended', (chunks) => this.#batcher.push([{ kind: 'output', chunks }]));
    client.onConnect(() => {
      if (this.model) void this.open(this.model.runId);
    });
  }

  #flush(items: Incoming[]): void {
    const model = this.model;
    for (const item of items) {
      if (item.kind === 'targets') {
        const mine = model ? item.updates.filter((u) => u.runId === model.runId) : [];
        if (mine.length && model) model.applyTargets(mine);
        if (mine.length < item.updates.length && this.#earlyTargets.length < EARLY_LIMIT)
          this.#earlyTargets.push(...item.updates.filter((u) => u.runId !== model?.runId));
      } else {
        const mine = model ? item.chunks.filter((c) => c.runId === model.runId) : [];
        if (mine.length && model) model.applyOutput(this.#dropRefetched(mine));
        // Output of another run (one just submitted, not opened yet) is kept until it is opened.
        if (mine.length < item.chunks.length && this.#early.length < EARLY_LIMIT)
          this.#early.push(...item.chunks.filter((c) => c.runId !== model?.runId));
      }
    }
    if (model) this.version = model.version;
  }

  #dropRefetched(chunks: OutputAppended[]): OutputAppended[] {
    if (this.#fetchedTails.size === 0) return chunks;
    const now = Date.now();
    return chunks.filter((c) => {
      const key = `${c.jobId} ${c.target} ${c.stream}`;
      const seen = this.#fetchedTails.get(key);
      if (!seen) return true;
      if (now > seen.until) {
        this.#fetchedTails.delete(key);
        return true;
      }
      if (seen.tail.endsWith(c.data)) {
        seen.tail = seen.tail.slice(0, seen.tail.length - c.data.length);
        return false;
      }
      this.#fetchedTails.delete(key);
      return true;
    });
  }

  /** Subscribe to every run's output, so nothing is missed between submit and open. */
  async watchAll(): Promise<void> {
    this.#early = [];
    this.#earlyTargets = [];
    await client.request('ui:subscribe', { outputOf: '*' });
  }

  /**
   * Shows `runId`: subscribes to its output, loads its detail and fetches the output already
   * stored. `live` (a run we just submitted, watched since before the submit) skips the fetch:
   * everything arrives as live chunks.
   */
  async open(runId: string, live = false): Promise<void> {
    this.loading = true;
    this.error = '';
    const model = new RunModel(runId);
    this.#fetchedTails.clear();
    this.model = model;
    this.version = 0;
    if (live) {
      // In arrival order, before anything that arrives while the detail loads (RunModel keeps
      // output of not-yet-known jobs pending until load()).
      model.applyTargets(this.#earlyTargets.filter((u) => u.runId === runId));
      model.applyOutput(this.#early.filter((c) => c.runId === runId));
    }
    this.#early = [];
    this.#earlyTargets = [];
    await client.request('ui:subscribe', { outputOf: runId });
    const detail = await client.request('runs:get', runId);
    if (this.model !== model) return;
    this.loading = false;
    if (!detail.ok) {
      this.error = detail.error.message;
      return;
    }
    model.load(detail.value);
    if (!live) await this.#fetchStored(model);
    this.version = model.version;
  }

  async #fetchStored(model: RunModel): Promise<void> {
    const detail = model.detail;
    if (!detail) return;
    const hosts = new Set<string>();
    for (const job of detail.jobs) {
      for (const t of job.targets) if (t.stdoutBytes + t.stderrBytes > 0 || t.state === 'running') hosts.add(t.target);
    }
    const queue = [...hosts];
    const worker = async () => {
      for (let target = queue.shift(); target !== undefined && this.model === model; target = queue.shift()) {
        let after: number | null = 0;
        while (after !== null && this.model === model) {
          const r: Result<RunOutputPage> = await client.request('runs:output', { runId: model.runId, target, after });
          if (!r.ok) break;
          const until = Date.now() + 1000;
          const log = model.log(target);
          for (const job of r.value.jobs) {
            log.replace(job.jobId, job.stdout, job.stderr);
            for (const stream of ['stdout', 'stderr'] as const) {
              const tail = job[stream].slice(-65536);
              if (tail) this.#fetchedTails.set(`${job.jobId} ${target} ${stream}`, { tail, until });
            }
          }
          after = r.value.next;
          model.version++;
          this.#batcher.push([]);
          this.version = model.version;
        }
      }
    };
    await Promise.all(Array.from({ length: FETCH_CONCURRENCY }, worker));
  }

  close(): void {
    this.model = null;
    void client.request('ui:subscribe', {});
  }
}

export const activeRun = new ActiveRun();

/**
 * Read-only figures for `npm run bench` (scripts/bench.ts): what the open run has applied.
 * `outputLines` counts stdout/stderr lines (job header lines excluded); `lastLines` is each
 * host's last line. Computed on read from the model; nothing is kept for it.
 */
export type DirectordStats = Readonly<{ runId: string | null; hosts: number; outputLines: number; lastLines: string[] }>;

function directordStats(): DirectordStats {
  const model = activeRun.model;
  if (!model) return { runId: null, hosts: 0, outputLines: 0, lastLines: [] };
  const hosts = model.hosts();
  let lines = 0;
  const lastLines = hosts.map((host) => {
    const log = model.log(host);
    lines += log.lineCount;
    return log.line(log.lineCount - 1)?.text ?? '';
  });
  return { runId: model.runId, hosts: hosts.length, outputLines: lines - model.pairs().length, lastLines };
}

if (typeof window !== 'undefined') Object.defineProperty(window, '__directordStats', { get: directordStats, configurable: true });
