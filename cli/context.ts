/** What every command gets from the global options (spec 2.1, with the data dir in place of sockets). */
import type { Logger } from '../protocol/log.js';
import { resolveDataDir } from './discovery.js';

export type CliContext = Readonly<{
  /** `--data-dir` as given, if any. */
  dataDirOption: string | undefined;
  debug: boolean;
  env: NodeJS.ProcessEnv;
  /** Debug lines on stderr with `--debug` (timings of connect, submit, wait). */
  log: Logger;
}>;

export function dataDirOf(ctx: CliContext): string {
  return resolveDataDir(ctx.dataDirOption, ctx.env);
}
