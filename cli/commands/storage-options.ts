/**
 * `server` and `serve` options for what the server stores (issue #5): the per-job output cap and
 * history retention. Declared once here and added to both commands.
 */
import { InvalidArgumentError, Option } from 'commander';

export type StorageCliOptions = Readonly<{ maxOutputBytes?: number; retentionDays?: number; retentionMaxMb?: number }>;

/** What `createServer` takes from them. */
export type StorageServerOptions = { outputCapBytes?: number; retentionDays?: number; retentionMaxBytes?: number };

function positive(what: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`expected ${integer ? 'a whole number' : 'a number'} of ${what} greater than 0`);
    return n;
  };
}

/** Smallest cap worth having: the truncation marker and a line or two. */
const MIN_OUTPUT_BYTES = 1024;

export const maxOutputOption = (): Option =>
  new Option(
    '--max-output-bytes <bytes>',
    'output kept per job, host and stream; beyond it the output is cut with a marker (default 16 MiB)',
  ).argParser((v) => {
    const n = positive('bytes', true)(v);
    if (n < MIN_OUTPUT_BYTES) throw new InvalidArgumentError(`expected at least ${MIN_OUTPUT_BYTES} bytes`);
    return n;
  });

export const retentionDaysOption = (): Option =>
  new Option('--retention-days <days>', 'delete finished runs (jobs, results, output) older than this many days (default: keep)').argParser(
    positive('days', false),
  );

export const retentionMaxMbOption = (): Option =>
  new Option(
    '--retention-max-mb <mb>',
    'delete the oldest finished runs while the history uses more than this many MB (default: no limit)',
  ).argParser(positive('MB', false));

export function storageServerOptions(options: StorageCliOptions): StorageServerOptions {
  return {
    ...(options.maxOutputBytes !== undefined ? { outputCapBytes: options.maxOutputBytes } : {}),
    ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
    ...(options.retentionMaxMb !== undefined ? { retentionMaxBytes: Math.round(options.retentionMaxMb * 1024 * 1024) } : {}),
  };
}
