/**
 * A pool of fork-server shells. One shell runs one job at a time, so concurrent queues get
 * more shells, created lazily; idle extra shells are retired after a while. A dead shell is
 * dropped and replaced on the next job.
 */
import type { Logger } from '../../protocol/log.js';
import { ForkServer } from './fork-server.js';
import { spawnDetached } from './spawn.js';
import type { ExecOutcome, ExecRequest, Executor, JobShell } from './types.js';

export type ForkPoolOptions = Readonly<{
  log: Logger;
  /** Extra shells idle longer than this are retired (default 30 s). */
  idleMs?: number;
  /** Shells kept even when idle (default 1). */
  keep?: number;
  /** How each job runs in its shell (default `exec`; see jobCommand). */
  jobShell?: JobShell;
}>;

export class ForkServerPool implements Executor {
  readonly kind = 'fork-server' as const;
  readonly jobShell: JobShell;
  private readonly servers: ForkServer[] = [];
  private readonly options: ForkPoolOptions;
  private reaper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ForkPoolOptions) {
    this.options = options;
    this.jobShell = options.jobShell ?? 'exec';
  }

  /** Number of live shells (for stats and tests). */
  get size(): number {
    return this.servers.length;
  }

  /** Starts the first shell ahead of the first job. */
  warm(): void {
    if (!this.closed && this.servers.length === 0) this.create();
  }

  async run(request: ExecRequest): Promise<ExecOutcome> {
    if (this.closed) throw new Error('executor closed');
    const server = this.servers.find((s) => s.usable && !s.busy) ?? this.create();
    return server.run(request);
  }

  detach(request: Pick<ExecRequest, 'command' | 'env' | 'cwd'>): Promise<void> {
    return spawnDetached(request);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const server of this.servers.splice(0)) server.destroy();
  }

  private create(): ForkServer {
    const server = new ForkServer({ log: this.options.log, jobShell: this.jobShell });
    server.onChange = () => this.tidy();
    this.servers.push(server);
    if (!this.reaper) {
      const idleMs = this.options.idleMs ?? 30_000;
      this.reaper = setInterval(() => this.reap(idleMs), Math.max(50, Math.floor(idleMs / 2)));
      this.reaper.unref();
    }
    return server;
  }

  /** Drops retired and dead shells from the list. */
  private tidy(): void {
    for (let i = this.servers.length - 1; i >= 0; i--) {
      if (!this.servers[i]?.usable) this.servers.splice(i, 1);
    }
  }

  private reap(idleMs: number): void {
    const keep = this.options.keep ?? 1;
    const now = Date.now();
    const idle = this.servers.filter((s) => s.usable && !s.busy);
    let extra = this.servers.length - keep;
    for (const server of idle) {
      if (extra <= 0) break;
      if (now - server.lastUsed >= idleMs) {
        server.retire();
        extra -= 1;
      }
    }
    this.tidy();
  }
}
