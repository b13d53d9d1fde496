const CLI_ERROR_BRAND: unique symbol = Symbol.for('directord-console.CliError');

/**
 * An expected failure the user should read (bad arguments, no server, a malformed file):
 * `main` prints the message on stderr and exits with `exitCode`. Anything else is a bug.
 */
export class CliError extends Error {
  readonly exitCode: number;
  /**
   * The brand `isCliError` checks. The built CLI is one CommonJS bundle per command
   * (scripts/build.mjs), each with its own copy of this class, so `instanceof CliError` in
   * main.ts is false for an error thrown inside a command bundle; a registry symbol is the same
   * in every copy.
   */
  readonly [CLI_ERROR_BRAND] = true;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** True for a CliError from any bundle's copy of this module (see the brand above). */
export function isCliError(error: unknown): error is CliError {
  return typeof error === 'object' && error !== null && (error as { [CLI_ERROR_BRAND]?: unknown })[CLI_ERROR_BRAND] === true;
}

/** Exit codes: 0 ok, 1 failure (a job failed, no server, no data), 2 bad usage or input. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
