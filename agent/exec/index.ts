/** Picks the executor: the fork-server pool on POSIX hosts with `/bin/sh`, else plain spawn. */
import { accessSync, constants, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../../protocol/log.js';
import { ForkServerPool } from './fork-pool.js';
import { createSpawnExecutor } from './spawn.js';
import type { Executor, ExecutorKind, JobShell } from './types.js';

export type { ExecOutcome, ExecRequest, Executor, ExecutorKind, JobShell } from './types.js';
export { ExecError } from './types.js';

function hasShell(): boolean {
  try {
    accessSync('/bin/sh', constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `subshell` where `/bin/sh` is dash, whose messages from a function body read exactly as from
 * `sh -c` (tested in executor.test.ts); `exec` elsewhere: bash, for one, names such functions'
 * source `main` and numbers their lines from the start of its input.
 */
export function defaultJobShell(shell = '/bin/sh'): JobShell {
  try {
    return basename(realpathSync(shell)) === 'dash' ? 'subshell' : 'exec';
  } catch {
    return 'exec';
  }
}

export function createExecutor(kind: ExecutorKind | undefined, log: Logger, jobShell: JobShell = defaultJobShell()): Executor {
  if (kind === 'spawn') return createSpawnExecutor();
  if (process.platform === 'win32' || !hasShell()) {
    log.info('fork-server executor unavailable (needs a POSIX /bin/sh); using spawn', { platform: process.platform });
    return createSpawnExecutor();
  }
  const pool = new ForkServerPool({ log: log.child('fork-server'), jobShell });
  pool.warm();
  return pool;
}
