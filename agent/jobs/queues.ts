/**
 * The agent's job queues (spec 1.6): one general FIFO shared by every non-async job, one FIFO
 * per async parent, and bypass queues that start at once. Each queue runs its jobs serially;
 * at most `maxQueues` non-bypass queues run at the same time, the rest wait in arrival order.
 */
import type { HeldJob } from './types.js';

type Queue = { key: string; items: HeldJob[]; bypass: boolean; working: boolean; waiting: boolean };

export const GENERAL_QUEUE = 'general';

export function defaultMaxQueues(cores: number): number {
  return Math.min(16, 2 * cores) + 1;
}

export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly waiting: Queue[] = [];
  private readonly run: (held: HeldJob) => Promise<void>;
  private readonly maxQueues: number;
  private readonly onError: (error: unknown, held: HeldJob) => void;
  private active = 0;
  private workers = new Set<Promise<void>>();
  private stopped = false;
  private bypassSeq = 0;

  constructor(options: { run: (held: HeldJob) => Promise<void>; maxQueues: number; onError: (error: unknown, held: HeldJob) => void }) {
    this.run = options.run;
    this.maxQueues = options.maxQueues;
    this.onError = options.onError;
  }

  /** Queues a job: the general queue, or its parent's own queue when `parentAsync`. */
  enqueue(held: HeldJob): void {
    const key = held.job.parentAsync ? `async:${held.job.parentId}` : GENERAL_QUEUE;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { key, items: [], bypass: false, working: false, waiting: false };
      this.queues.set(key, queue);
    }
    queue.items.push(held);
    this.kick(queue);
  }

  /** Runs a job at once in a queue of its own (QUEUESENTINEL, callbacks). */
  bypass(held: HeldJob): void {
    const queue: Queue = { key: `bypass:${++this.bypassSeq}`, items: [held], bypass: true, working: false, waiting: false };
    this.queues.set(queue.key, queue);
    this.kick(queue);
  }

  /** Removes every job not yet running, in queue order. */
  purgePending(): HeldJob[] {
    const purged: HeldJob[] = [];
    for (const queue of this.queues.values()) {
      if (queue.bypass) continue;
      purged.push(...queue.items.splice(0));
    }
    return purged;
  }

  /** Removes one queued job; undefined when it is not queued. */
  remove(jobId: string): HeldJob | undefined {
    for (const queue of this.queues.values()) {
      const index = queue.items.findIndex((h) => h.job.jobId === jobId);
      if (index >= 0) return queue.items.splice(index, 1)[0];
    }
    return undefined;
  }

  queuedCount(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.items.length;
    return n;
  }

  queuedJobs(): HeldJob[] {
    return [...this.queues.values()].flatMap((q) => q.items);
  }

  /** No new job starts; running ones finish. Resolves when no queue is working. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.workers.size) await Promise.allSettled([...this.workers]);
  }

  private kick(queue: Queue): void {
    if (this.stopped || queue.working || queue.waiting) return;
    if (!queue.bypass && this.active >= this.maxQueues) {
      queue.waiting = true;
      this.waiting.push(queue);
      return;
    }
    this.start(queue);
  }

  private start(queue: Queue): void {
    queue.working = true;
    if (!queue.bypass) this.active += 1;
    const worker = this.work(queue).finally(() => this.workers.delete(worker));
    this.workers.add(worker);
  }

  private async work(queue: Queue): Promise<void> {
    // Start on a later tick so a whole dispatch is queued before the first job runs.
    await Promise.resolve();
    while (!this.stopped) {
      const held = queue.items.shift();
      if (!held) break;
      try {
        await this.run(held);
      } catch (error) {
        this.onError(error, held);
      }
    }
    queue.working = false;
    if (!queue.bypass) this.active -= 1;
    if (queue.items.length === 0 && this.queues.get(queue.key) === queue) this.queues.delete(queue.key);
    else if (queue.items.length) this.kick(queue);
    while (!this.stopped && this.waiting.length && this.active < this.maxQueues) {
      const next = this.waiting.shift() as Queue;
      next.waiting = false;
      if (next.items.length) this.start(next);
      else if (this.queues.get(next.key) === next) this.queues.delete(next.key);
    }
  }
}
