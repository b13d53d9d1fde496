/**
 * The one set of waiting helpers every test and harness uses (server/testing, test/integration,
 * test/security, cli tests, scripts/bench). Prefer an event (`textOn`, a socket event, a child's exit)
 * to polling; poll with `eventually` only what has no event (a row in SQLite, a file, a process table).
 * Every wait is bounded and says what it waited for when it gives up.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `every` ms until it returns something other than undefined; throws after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
  every = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/**
 * Resolves with everything `stream` has written (from now on, after `seen`) once it matches `pattern`,
 * driven by its 'data' events. Rejects when the stream ends, `child` exits first, or after `ms`, with the
 * text so far, so a process that dies or stays silent fails with its own words.
 */
export function textOn(
  stream: Readable,
  pattern: RegExp | string,
  ms: number,
  what: string,
  options: Readonly<{ child?: ChildProcess; seen?: string }> = {},
): Promise<string> {
  const matches = (text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  let text = options.seen ?? '';
  if (matches(text)) return Promise.resolve(text);
  return new Promise<string>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      options.child?.off('exit', onExit);
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (matches(text)) done();
    };
    const onEnd = () => done(new Error(`${what}: the stream ended first:\n${text}`));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(new Error(`${what}: the process exited (${code ?? signal}) first:\n${text}`));
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}:\n${text}`)), ms);
    stream.on('data', onData);
    stream.once('end', onEnd);
    options.child?.once('exit', onExit);
  });
}
