/** Runs the CLI in-process with captured output, and gives tests a temp data dir with a fake server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.js';
import { captureOutput } from '../output.js';
import { startFakeServer, type FakeServer } from './fake-ui-server.js';

export type CliRun = { code: number; stdout: string; stderr: string };

export async function runCli(...args: string[]): Promise<CliRun> {
  const out = captureOutput();
  try {
    const code = await main(['node', 'directord', ...args]);
    return { code, stdout: out.stdout, stderr: out.stderr };
  } finally {
    out.restore();
  }
}

export async function withFakeServer(fn: (server: FakeServer, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'directord-cli-'));
  const server = await startFakeServer(dir);
  try {
    await fn(server, dir);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
