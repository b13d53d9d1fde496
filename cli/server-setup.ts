/** What `server` and `serve` check before starting: one server per data dir, and the port. */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { isPidAlive, readServerFile } from './discovery.js';
import { CliError } from './errors.js';

/** The port `serve` and `server` prefer when `--port` is not given. */
export const PREFERRED_PORT = 7500;

/** Creates the data dir (mode 0700) and refuses to start when a live server already owns it. */
export function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const existing = readServerFile(dataDir);
  if (existing && existing.pid !== process.pid && isPidAlive(existing.pid)) {
    throw new CliError(
      `A Directord server is already running for data dir ${dataDir} (pid ${existing.pid}, ${existing.url}); stop it first or use another --data-dir`,
    );
  }
}

/** True when `port` can be bound on `host` right now. */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** `--port` when given (0: any free port), else 7500 when free, else any free port (0). */
export async function choosePort(option: number | undefined, host: string): Promise<number> {
  if (option !== undefined) return option;
  return (await portIsFree(PREFERRED_PORT, host)) ? PREFERRED_PORT : 0;
}

/** Turns a listen failure into a message for the user; other errors are passed through. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new CliError(`Port ${port} on ${host} is already in use (pass --port 0 for any free port)`);
  if (code === 'EACCES') return new CliError(`Not allowed to listen on ${host}:${port} (pick a port above 1023)`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`Cannot listen on ${host}: no such address on this host`);
  return error;
}
