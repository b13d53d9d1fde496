import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Written beside, then renamed into place: a crash leaves the old file or the new one, never half of
 * one. The mode is set again after the write (a umask could have narrowed or an old tmp file kept another).
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
