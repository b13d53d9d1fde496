/**
 * The server's log with secret values masked (issue #18): every message and every string in its
 * fields goes through `mask` (which holds the current values and is a no-op without any), so a
 * value that reaches a log line — in an error message, a job's INFO, a payload — shows as
 * `[secret:NAME]`. `mask` is read on each line: the secrets load after the first loggers exist.
 */
import type { LogFields, Logger } from '../../protocol/log.js';

function maskDeep(value: unknown, mask: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, mask, depth + 1)]));
}

/** `mask()` is null while there is nothing to mask (no secrets): then lines pass untouched, at no cost. */
export function maskedLogger(log: Logger, mask: () => ((text: string) => string) | null): Logger {
  const line = (write: (m: string, f?: LogFields) => void) => (m: string, f?: LogFields) => {
    const current = mask();
    if (!current) return write(m, f);
    write(current(m), f ? (maskDeep(f, current, 0) as LogFields) : undefined);
  };
  return {
    debug: line((m, f) => log.debug(m, f)),
    info: line((m, f) => log.info(m, f)),
    warn: line((m, f) => log.warn(m, f)),
    error: line((m, f) => log.error(m, f)),
    child: (name) => maskedLogger(log.child(name), mask),
  };
}
