/**
 * Finding the server through the data dir (docs/design.md "Discovery and auth"):
 * `--data-dir DIR` > `DIRECTORD_DATA_DIR` > `$XDG_DATA_HOME/directord` > `~/.local/share/directord`.
 * The server writes DIR/server.json ({url, port, pid, startedAt, fingerprint?}), DIR/cli.token (the
 * CLI's own token; ui.token is the console's) and, when it speaks TLS, DIR/tls.crt.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { dataDirFrom, readServerFile as readServerFileWith, type ServerFile } from '../protocol/server-file.js';
import { CliError } from './errors.js';
import { hint } from './hint.js';

export type { ServerFile };
export type Endpoint = Readonly<{
  dataDir: string;
  url: string;
  pid: number;
  token: string;
  /** https servers: their self-signed certificate (DATA_DIR/tls.crt), the only one the CLI trusts. */
  ca?: string;
}>;

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dataDirFrom(option, env, homedir()));
}

export function startHint(dataDir: string): string {
  return `start one with: ${hint('serve', '--data-dir', dataDir)}`;
}

export function noServerMessage(dataDir: string): string {
  return `No Directord server found for data dir ${dataDir} (${startHint(dataDir)})`;
}

export function staleServerMessage(dataDir: string, server: ServerFile, why: string): string {
  return `The Directord server recorded in ${join(dataDir, 'server.json')} (pid ${server.pid}, ${server.url}) is not running: ${why} (${startHint(dataDir)})`;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads DIR/server.json (protocol/server-file.ts), or null when there is none. Throws a CliError when it is unreadable. */
export function readServerFile(dataDir: string): ServerFile | null {
  const read = readServerFileWith(dataDir, (path) => readFileSync(path, 'utf8'));
  if (read.ok) return read.value;
  if (read.problem.kind === 'missing') return null;
  if (read.problem.kind === 'unreadable') throw new CliError(`Cannot read ${read.path}: ${read.problem.message}`);
  throw new CliError(
    `${read.path} is not a valid server file: ${read.problem.message}; remove it and start the server again (${startHint(dataDir)})`,
  );
}

/** The server the CLI should talk to, or a CliError saying why there is none. */
export function discoverServer(dataDir: string): Endpoint {
  const server = readServerFile(dataDir);
  if (!server) throw new CliError(noServerMessage(dataDir));
  if (!isPidAlive(server.pid)) throw new CliError(staleServerMessage(dataDir, server, `process ${server.pid} does not exist`));
  const tokenPath = join(dataDir, 'cli.token');
  let token: string;
  // A user's API token (`--token` or $DIRECTORD_TOKEN; issue #18) instead of the local admin's cli.token.
  const userToken = process.env.DIRECTORD_TOKEN?.trim();
  if (userToken) {
    token = userToken;
  } else {
    try {
      token = readFileSync(tokenPath, 'utf8').trim();
    } catch (error) {
      throw new CliError(
        `Cannot read the CLI token ${tokenPath}: ${(error as Error).message} (is this the data dir the server was started with?)`,
      );
    }
  }
  if (!token) throw new CliError(`The CLI token file ${tokenPath} is empty; restart the server (${startHint(dataDir)})`);
  let ca: string | undefined;
  if (server.url.startsWith('https:')) {
    try {
      ca = readFileSync(join(dataDir, 'tls.crt'), 'utf8');
    } catch {
      ca = undefined;
    }
  }
  return { dataDir, url: server.url, pid: server.pid, token, ...(ca ? { ca } : {}) };
}
