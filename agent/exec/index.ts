/** Picks the executor: the fork-server pool on POSIX hosts with `/bin/sh`, else plain spawn. */
import { accessSync, constants } from 'node:fs';
import type { Logger } from '../../protocol/log.js';
import { ForkServerPool } from './fork-pool.js';
import { createSpawnExecutor } from './spawn.js';
import type { Executor, ExecutorKind } from './types.js';

export type { ExecOutcome, ExecRequest, Executor, ExecutorKind } from './types.js';
export { ExecError } from './types.js';

function hasShell(): boolean {
  try {
    accessSync('/bin/sh', constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function createExecutor(kind: ExecutorKind | undefined, log: Logger): Executor {
  if (kind === 'spawn') return createSpawnExecutor();
  if (process.platform === 'win32' || !hasShell()) {
    log.info('fork-server executor unavailable (needs a POSIX /bin/sh); using spawn', { platform: process.platform });
    return createSpawnExecutor();
  }
  const pool = new ForkServerPool({ log: log.child('fork-server') });
  pool.warm();
  return pool;
}
