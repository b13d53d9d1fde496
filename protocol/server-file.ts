/**
 * The data dir and its `server.json`, the contract between the server that writes it and the CLI and
 * local agents that read it (docs/design.md "Discovery and auth"). Pure: the callers do the file I/O
 * (`read` below is their `readFileSync`), so server, CLI and agent share one shape and one validation.
 */
import { fail, ok, type Result } from './result.js';

/** The file's name inside the data dir. */
export const SERVER_FILE = 'server.json';

/** What the server records once it listens, removed again on a clean stop. */
export type ServerFile = Readonly<{
  url: string;
  port: number;
  /** The server's process: a dead pid means a stale file. */
  pid: number;
  startedAt?: number;
  /** https servers: the SHA-256 fingerprint of DATA_DIR/tls.crt (local agents pin it). */
  fingerprint?: string;
}>;

/** The environment variables the data-dir lookup reads. */
export type DataDirEnv = Readonly<{ DIRECTORD_DATA_DIR?: string | undefined; XDG_DATA_HOME?: string | undefined }>;

/**
 * The data dir: `--data-dir` > `DIRECTORD_DATA_DIR` > `$XDG_DATA_HOME/directord` > `HOME/.local/share/directord`.
 * Not made absolute here (no path module in protocol/): a caller that needs that resolves it.
 */
export function dataDirFrom(option: string | undefined, env: DataDirEnv, home: string): string {
  if (option) return option;
  if (env.DIRECTORD_DATA_DIR) return env.DIRECTORD_DATA_DIR;
  return `${env.XDG_DATA_HOME ? env.XDG_DATA_HOME : `${home.replace(/\/+$/, '')}/.local/share`}/directord`;
}

/** DATA_DIR/server.json. */
export function serverFilePath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/${SERVER_FILE}`;
}

/** The file's text as the server writes it. */
export function serverFileText(info: ServerFile): string {
  const { url, port, pid, startedAt, fingerprint } = info;
  return (
    JSON.stringify(
      { url, port, pid, ...(startedAt !== undefined ? { startedAt } : {}), ...(fingerprint ? { fingerprint } : {}) },
      null,
      2,
    ) + '\n'
  );
}

const EXPECTED = 'expected {"url", "port", "pid"}';

/** Parses the file's text; `invalid-payload` says what is wrong. `port` may be left out (read from the URL). */
export function parseServerFile(text: string): Result<ServerFile> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('invalid-payload', `not JSON (${EXPECTED})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('invalid-payload', `not an object (${EXPECTED})`);
  const { url, port, pid, startedAt, fingerprint } = value as Record<string, unknown>;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/.test(url))
    return fail('invalid-payload', `url is not an http(s) URL (${EXPECTED})`);
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0)
    return fail('invalid-payload', `pid is not a process id (${EXPECTED})`);
  const urlPort = /^https?:\/\/(?:\[[^\]]*\]|[^/:]*):(\d+)/.exec(url)?.[1];
  const resolvedPort = typeof port === 'number' ? port : urlPort !== undefined ? Number(urlPort) : NaN;
  if (!Number.isInteger(resolvedPort) || resolvedPort <= 0 || resolvedPort > 65535)
    return fail('invalid-payload', `port is not a TCP port (${EXPECTED})`);
  if (startedAt !== undefined && typeof startedAt !== 'number') return fail('invalid-payload', 'startedAt is not a number');
  if (fingerprint !== undefined && typeof fingerprint !== 'string') return fail('invalid-payload', 'fingerprint is not a string');
  return ok({
    url,
    port: resolvedPort,
    pid,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(fingerprint !== undefined ? { fingerprint } : {}),
  });
}

/** Why reading DATA_DIR/server.json failed: missing (no server), unreadable, or not a server file. */
export type ServerFileProblem = Readonly<
  { kind: 'missing' } | { kind: 'unreadable'; message: string } | { kind: 'invalid'; message: string }
>;

/**
 * Reads DATA_DIR/server.json through `read` (the caller's `readFileSync(path, 'utf8')`), as a value:
 * the file, or the problem. A read error with code ENOENT is `missing`.
 */
export function readServerFile(
  dataDir: string,
  read: (path: string) => string,
): { ok: true; value: ServerFile } | { ok: false; problem: ServerFileProblem; path: string } {
  const path = serverFilePath(dataDir);
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT') return { ok: false, problem: { kind: 'missing' }, path };
    return { ok: false, problem: { kind: 'unreadable', message: error instanceof Error ? error.message : String(error) }, path };
  }
  const parsed = parseServerFile(text);
  return parsed.ok ? parsed : { ok: false, problem: { kind: 'invalid', message: parsed.error.message }, path };
}
