/** Run history (runs:list with filters and "Load more"), kept fresh by `run:updated`. */
import type { RunFilter, RunSummary } from '#protocol/records.js';
import type { RunSubmission, RunSubmitted } from '#protocol/jobs.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export const PAGE_SIZE = 50;

export class RunsStore {
  list = $state<RunSummary[]>([]);
  filter = $state<RunFilter>({});
  loading = $state(false);
  more = $state(false);
  error = $state('');
  /** Latest summary of every run seen (history rows and the run view). */
  byId = $state<Record<string, RunSummary>>({});

  constructor() {
    client.on('run:updated', (run) => this.apply(run));
    client.onConnect(() => void this.load());
  }

  apply(run: RunSummary): void {
    this.byId[run.runId] = run;
    const i = this.list.findIndex((r) => r.runId === run.runId);
    if (i >= 0) this.list[i] = run;
    else if (Object.keys(this.filter).length === 0) this.list = [run, ...this.list];
  }

  async load(filter: RunFilter = this.filter): Promise<void> {
    this.filter = filter;
    this.loading = true;
    const r = await client.request('runs:list', { ...filter, limit: PAGE_SIZE });
    this.loading = false;
    if (!r.ok) {
      this.error = r.error.message;
      return;
    }
    this.error = '';
    this.list = r.value;
    this.more = r.value.length >= PAGE_SIZE;
    for (const run of r.value) this.byId[run.runId] = run;
  }

  async loadMore(): Promise<void> {
    const last = this.list[this.list.length - 1];
    if (!last) return;
    this.loading = true;
    const r = await client.request('runs:list', { ...this.filter, limit: PAGE_SIZE, before: last.createdAt, beforeRun: last.runId });
    this.loading = false;
    if (!r.ok) {
      this.error = r.error.message;
      return;
    }
    const seen = new Set(this.list.map((x) => x.runId));
    this.list = [...this.list, ...r.value.filter((x) => !seen.has(x.runId))];
    this.more = r.value.length >= PAGE_SIZE;
  }

  submit(submission: RunSubmission): Promise<Result<RunSubmitted>> {
    return client.request('runs:submit', submission);
  }

  /** `currentInventory`: resolve the run's target patterns again instead of reusing its hosts. */
  rerun(runId: string, failedOnly: boolean, currentInventory = false): Promise<Result<RunSubmitted>> {
    return client.request('runs:rerun', { runId, failedOnly, ...(currentInventory ? { currentInventory: true } : {}) });
  }

  cancel(runId: string): Promise<Result<{ cancelled: number }>> {
    return client.request('runs:cancel', runId);
  }

  /** Runs that targeted one host, most recent first (host detail panel). */
  async forHost(target: string, limit = 10): Promise<Result<RunSummary[]>> {
    return client.request('runs:list', { target, limit });
  }
}

export const runs = new RunsStore();
