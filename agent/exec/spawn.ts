/**
 * The plain executor: one `child_process.spawn` per command, `detached: true` so the command
 * leads its own process group. Used where `setsid` is missing, when asked for, and for
 * `--no-block` (fire and forget).
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { killGroup } from './fork-server.js';
import { checkEnv, jobScript } from './shell.js';
import type { ExecOutcome, ExecRequest, Executor } from './types.js';

/** After the command exits, how long to wait for its pipes to close (leftover processes may hold them). */
const PIPE_GRACE_MS = 100;

export function runSpawned(request: ExecRequest): Promise<ExecOutcome> {
  checkEnv(request.env);
  const script = jobScript(request.command, request.cwd);
  if (request.abort?.aborted) return Promise.resolve({ exitCode: null, signal: 'SIGKILL' });
  return new Promise<ExecOutcome>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], {
      env: { ...process.env, ...request.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let killed = false;
    let exit: ExecOutcome | null = null;
    let open = 2;
    let grace: NodeJS.Timeout | undefined;
    const outDecoder = new StringDecoder('utf8');
    const errDecoder = new StringDecoder('utf8');
    const onAbort = () => {
      killed = true;
      if (child.pid !== undefined) killGroup(child.pid);
    };
    const detachAbort = request.abort?.onAbort(onAbort);
    const finish = () => {
      if (!exit) return;
      clearTimeout(grace);
      detachAbort?.();
      const restOut = outDecoder.end();
      if (restOut) request.onStdout(restOut);
      const restErr = errDecoder.end();
      if (restErr) request.onStderr(restErr);
      resolve(exit);
      exit = null;
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const text = outDecoder.write(chunk);
      if (text) request.onStdout(text);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = errDecoder.write(chunk);
      if (text) request.onStderr(text);
    });
    const closed = () => {
      open -= 1;
      if (open === 0) finish();
    };
    child.stdout.on('close', closed);
    child.stderr.on('close', closed);
    child.on('error', (error) => {
      detachAbort?.();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      exit = killed ? { exitCode: null, signal: 'SIGKILL' } : { exitCode: code, signal };
      if (open === 0) finish();
      else
        grace = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, PIPE_GRACE_MS);
    });
  });
}

/** Starts the command in its own session, output discarded, and does not wait for it. */
export function spawnDetached(request: Pick<ExecRequest, 'command' | 'env' | 'cwd'>): Promise<void> {
  checkEnv(request.env);
  const script = jobScript(request.command, request.cwd);
  return new Promise<void>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { env: { ...process.env, ...request.env }, stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

export function createSpawnExecutor(): Executor {
  return {
    kind: 'spawn',
    jobShell: 'exec',
    run: runSpawned,
    detach: spawnDetached,
    close: async () => {},
  };
}
