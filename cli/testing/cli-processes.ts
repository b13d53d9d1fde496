/**
 * The CLI as real child processes (the sources through tsx) for end-to-end tests: one command run
 * to its end, and `serve` started in the background until its console line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliArgs = ['--import', 'tsx', join(root, 'cli', 'main.ts')];

import { eventually, textOn } from '../../test/support/wait.js';

export { sleep } from '../../test/support/wait.js';

export type Ran = { code: number | null; stdout: string; stderr: string };

/** `directord --data-dir DIR ARGS…` to its end (killed after 60 s). */
export function runCliProcess(dataDir: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export type ServeProcess = Readonly<{
  child: ChildProcess;
  /** What serve printed on stdout by now (its console line once started). */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then its exit code (30 s at most). */
  stop(): Promise<number | null>;
  /** SIGKILL if still running (for `finally`). */
  kill(): void;
}>;

/** `directord --data-dir DIR serve ARGS…`, resolved once it printed a line or exited (60 s at most). */
export async function startServe(dataDir: string, args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, 'serve', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // Driven by its stdout: resolved on the first line; an early exit is for the caller to see (stdout/stderr).
  await textOn(child.stdout, '\n', 60_000, 'serve to print its console line', { child }).catch(() => undefined);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stop: () => {
      child.kill('SIGTERM');
      return exited(child, 30_000);
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls `manage --list-nodes` until it succeeds (an agent is online) or `timeoutMs` passes; the last run. */
export async function listNodesOnline(dataDir: string, timeoutMs = 60_000): Promise<Ran> {
  let nodes: Ran = { code: 1, stdout: '', stderr: '' };
  const online = async () => {
    nodes = await runCliProcess(dataDir, 'manage', '--list-nodes');
    return nodes.code === 0 ? true : undefined;
  };
  // The caller asserts on the last run, so a timeout is not thrown here.
  await eventually('manage --list-nodes to succeed', online, timeoutMs, 250).catch(() => undefined);
  return nodes;
}
