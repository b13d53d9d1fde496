/**
 * An expected failure the user should read (bad arguments, no server, a malformed file):
 * `main` prints the message on stderr and exits with `exitCode`. Anything else is a bug.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Exit codes: 0 ok, 1 failure (a job failed, no server, no data), 2 bad usage or input. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
