/** The executor contract: run one shell command in its own process group and stream its output. */

/** One command to run with `/bin/sh -c`. */
export type ExecRequest = Readonly<{
  command: string;
  /** Added on top of the agent's own environment (ENV cache + per-call env). Names must be identifiers. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Aborting kills the whole process group with SIGKILL. */
  abort?: AbortHook;
  /** Decoded output, delivered live and in order per stream. */
  onStdout(text: string): void;
  onStderr(text: string): void;
}>;

/**
 * What an executor needs of an abort: whether it happened, and a call when it does (the job's
 * own, cheaper than an AbortSignal's EventTarget listeners on every job: agent/jobs/abort.ts).
 */
export type AbortHook = Readonly<{
  aborted: boolean;
  /** Calls `listener` once when aborted (not if it already is); returns the unsubscribe. */
  onAbort(listener: () => void): () => void;
}>;

export type ExecOutcome = Readonly<{
  /** Null when the agent killed the process group (abort). */
  exitCode: number | null;
  signal: string | null;
}>;

export type ExecutorKind = 'fork-server' | 'spawn';

/**
 * How a job's script runs: `subshell` forks the fork server and runs the script as a function in
 * the child (no exec: on VMs the dynamic loader's start-up of a new `sh`, CPUID exits included,
 * costs more than the rest of a short job); `exec` runs `/bin/sh -c SCRIPT` as Directord does.
 */
export type JobShell = 'subshell' | 'exec';

export interface Executor {
  readonly kind: ExecutorKind;
  /** `subshell`: jobs run in a fork of a long-lived shell; `exec`: each in a new `/bin/sh -c`. */
  readonly jobShell: JobShell;
  /** Runs to completion (or until aborted). Rejects only when the executor itself broke. */
  run(request: ExecRequest): Promise<ExecOutcome>;
  /** Starts the command in its own session without waiting or capturing output (`--no-block`). */
  detach(request: Pick<ExecRequest, 'command' | 'env' | 'cwd'>): Promise<void>;
  /** Stops helper processes; running commands are killed. */
  close(): Promise<void>;
}

/** Raised when the executor cannot run a command at all (bad env name, dead helper shell). */
export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}
