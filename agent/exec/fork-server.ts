/**
 * One long-lived `/bin/sh` used as a fork server. It is started in its own session and process
 * group and runs one job at a time, so that group holds exactly this shell plus the job's
 * process tree, never the agent. For each job we write one line of shell that runs the script
 * in the foreground with stdout on fd 3 and stderr on fd 4 (in a forked subshell, or with
 * `/bin/sh -c`: see {@link jobCommand}), then prints a per-job end marker on fd 4 and one
 * carrying the exit status on fd 3 (one pipe read fewer per job than a separate status line).
 *
 * Why not `setsid` per job: on the target VMs an exec costs about as much as a fork+exec of
 * `sh`, so an extra `setsid` exec doubled the per-job cost. Timeout and cancel instead SIGKILL the
 * server's whole group (job, grandchildren and the shell); the pool then starts a fresh shell.
 * {@link ForkServerPool} keeps several shells for concurrent queues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../../protocol/log.js';
import { MarkerSplitter } from './marker-splitter.js';
import { jobCommand, jobScript } from './shell.js';
import { ExecError, type ExecOutcome, type ExecRequest, type JobShell } from './types.js';

type Running = {
  seq: number;
  request: ExecRequest;
  exit: number | undefined;
  outDone: boolean;
  errDone: boolean;
  killed: boolean;
  outDecoder: StringDecoder;
  errDecoder: StringDecoder;
  resolve(outcome: ExecOutcome): void;
  reject(error: Error): void;
  detachAbort(): void;
};

export type ForkServerOptions = Readonly<{ log: Logger; shell?: string; /** Default `exec`. */ jobShell?: JobShell }>;

export class ForkServer {
  private readonly child: ChildProcess;
  private readonly stdin: Writable;
  private readonly out: MarkerSplitter;
  private readonly err: MarkerSplitter;
  private readonly nonce = randomBytes(9).toString('hex');
  private readonly log: Logger;
  private readonly jobShell: JobShell;
  private current: Running | null = null;
  private seq = 0;
  private dead = false;
  private retired = false;
  private exitInfo = '';
  lastUsed = Date.now();
  /** Called when the server becomes idle, retires or dies. */
  onChange: () => void = () => {};

  constructor(options: ForkServerOptions) {
    this.log = options.log;
    this.jobShell = options.jobShell ?? 'exec';
    this.child = spawn(options.shell ?? '/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    const [stdin, stdout, stderr, fd3, fd4] = this.child.stdio as unknown as [Writable, Readable, Readable, Readable, Readable];
    this.stdin = stdin;
    stdin.on('error', () => {}); // EPIPE after the shell died; handled through 'close' below
    this.out = new MarkerSplitter({
      data: (chunk) => this.emit('stdout', chunk),
      end: (status) => this.streamEnded('stdout', status),
      stray: (chunk) => this.stray('stdout', chunk),
    });
    this.err = new MarkerSplitter({
      data: (chunk) => this.emit('stderr', chunk),
      end: () => this.streamEnded('stderr'),
      stray: (chunk) => this.stray('stderr', chunk),
    });
    fd3.on('data', (chunk: Buffer) => this.out.push(chunk));
    fd4.on('data', (chunk: Buffer) => this.err.push(chunk));
    fd3.on('error', () => {});
    fd4.on('error', () => {});
    // The shell itself prints nothing on fd 1; its closing tells that the shell is gone.
    stdout.on('data', (chunk: Buffer) => this.log.warn('fork-server shell wrote to stdout', { text: chunk.toString('utf8', 0, 2000) }));
    stdout.on('close', () => this.onDeath());
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => this.log.warn('fork-server shell wrote to stderr', { text: text.slice(0, 2000) }));
    this.child.on('exit', (code, signal) => {
      this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
    });
    this.child.on('error', (error) => {
      this.exitInfo = error.message;
      this.onDeath();
    });
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /** Alive and still accepting jobs. */
  get usable(): boolean {
    return !this.dead && !this.retired;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  run(request: ExecRequest): Promise<ExecOutcome> {
    if (!this.usable || this.current) return Promise.reject(new ExecError('fork server is not available'));
    // Build the line first: a bad env name or a NUL byte is refused before anything starts.
    const seq = ++this.seq;
    const tag = `DDEND:${this.nonce}:${seq}:`;
    const script = jobScript(request.command, request.cwd);
    // printf's arguments are expanded before it runs, so `$?` is still the job's status.
    const line =
      `${jobCommand(script, request.env, this.jobShell)} >&3 2>&4 3>&- 4>&- </dev/null; ` +
      `printf '\\036%s%s\\036' '${tag}' $? >&3; printf '\\036%s\\036' '${tag}' >&4\n`;
    const marker = Buffer.from(`\x1e${tag}`, 'latin1');
    if (request.abort?.aborted) return Promise.resolve({ exitCode: null, signal: 'SIGKILL' });
    return new Promise<ExecOutcome>((resolve, reject) => {
      const detachAbort = request.abort?.onAbort(() => this.kill()) ?? noop;
      this.current = {
        seq,
        request,
        exit: undefined,
        outDone: false,
        errDone: false,
        killed: false,
        outDecoder: new StringDecoder('utf8'),
        errDecoder: new StringDecoder('utf8'),
        resolve,
        reject,
        detachAbort,
      };
      this.out.expect(marker);
      this.err.expect(marker);
      this.lastUsed = Date.now();
      this.stdin.write(line);
    });
  }

  /** Kills the running job with its whole process group (this shell included; the pool replaces it). */
  kill(): void {
    const job = this.current;
    if (!job) return;
    job.killed = true;
    if (this.child.pid !== undefined) killGroup(this.child.pid);
  }

  /** Stops taking jobs; the shell exits at EOF once its job (if any) is done. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (!this.current) this.stdin.end();
    this.onChange();
  }

  /** Kills the shell and anything it runs, and closes its pipes (agent shutdown). */
  destroy(): void {
    this.retired = true;
    if (this.child.pid !== undefined) killGroup(this.child.pid);
    for (const stream of this.child.stdio) stream?.destroy();
  }

  private emit(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const job = this.current;
    if (!job) return;
    const text = stream === 'stdout' ? job.outDecoder.write(chunk) : job.errDecoder.write(chunk);
    if (!text) return;
    if (stream === 'stdout') job.request.onStdout(text);
    else job.request.onStderr(text);
  }

  private streamEnded(stream: 'stdout' | 'stderr', status?: string): void {
    const job = this.current;
    if (!job) return;
    if (stream === 'stdout') {
      job.outDone = true;
      const code = status ? Number(status) : NaN;
      if (!Number.isInteger(code)) this.log.warn('fork-server: unreadable exit status', { status });
      job.exit = Number.isInteger(code) ? code : 255;
    } else job.errDone = true;
    this.tryFinish();
  }

  private stray(stream: string, chunk: Buffer): void {
    // A process an earlier job left in the background still writes to the shared pipe: drop its
    // output and retire this shell, so later jobs get a shell whose pipes nobody else holds.
    this.log.debug('fork-server: dropped output written after a job ended', { stream, bytes: chunk.length });
    this.retire();
  }

  private settle(job: Running, outcome: ExecOutcome | Error): void {
    const rest = job.outDecoder.end();
    if (rest) job.request.onStdout(rest);
    const restErr = job.errDecoder.end();
    if (restErr) job.request.onStderr(restErr);
    job.detachAbort();
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  private tryFinish(): void {
    const job = this.current;
    if (!job || job.exit === undefined || !job.outDone || !job.errDone) return;
    this.current = null;
    if (this.retired) this.stdin.end();
    this.lastUsed = Date.now();
    this.settle(job, job.killed ? { exitCode: null, signal: 'SIGKILL' } : { exitCode: job.exit, signal: null });
    this.onChange();
  }

  /** The shell's stdout closed: it exited (killed with its group, retired, or it crashed). */
  private onDeath(): void {
    if (this.dead) return;
    this.dead = true;
    const job = this.current;
    if (!job) {
      for (const stream of this.child.stdio) stream?.destroy();
      this.onChange();
      return;
    }
    // Output still in flight on fd 3/4 is delivered before the job settles; killed processes
    // close those pipes at once, an escaped daemon might not, hence the grace period.
    const [, , , fd3, fd4] = this.child.stdio;
    let open = (fd3 && !fd3.closed ? 1 : 0) + (fd4 && !fd4.closed ? 1 : 0);
    const done = () => {
      clearTimeout(timer);
      if (this.current !== job) return;
      this.current = null;
      this.out.flush();
      this.err.flush();
      const why = this.retired ? 'was stopped' : `died (${this.exitInfo || 'pipe closed'})`;
      this.settle(
        job,
        job.killed
          ? { exitCode: null, signal: 'SIGKILL' }
          : new ExecError(`the agent's fork-server shell ${why} while running the command`),
      );
      for (const stream of this.child.stdio) stream?.destroy();
      this.onChange();
    };
    const timer = setTimeout(done, DEATH_GRACE_MS);
    if (open === 0) done();
    const closed = () => {
      open -= 1;
      if (open === 0) done();
    };
    fd3?.once('close', closed);
    fd4?.once('close', closed);
    if (!job.killed && this.child.pid !== undefined) killGroup(this.child.pid);
  }
}

const noop = () => {};

/** How long a dead shell's output pipes may stay open before its job is settled anyway. */
const DEATH_GRACE_MS = 200;

export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
