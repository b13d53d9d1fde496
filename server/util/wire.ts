/** Edge helpers: never trust an ack argument, never let an exception cross the wire (conventions §4.4). */
import type { Logger } from '../../protocol/log.js';
import { fail, type Ack, type Result } from '../../protocol/result.js';
import { isStorageFull, storageFullMessage } from './storage.js';

/** Turns whatever the peer sent as the ack into a safe callback. */
export function ackOf<T>(ack: unknown, log: Logger, event: string): Ack<T> {
  if (typeof ack !== 'function') {
    return () => log.debug('request without ack', { event });
  }
  return (result: Result<T>) => {
    try {
      (ack as Ack<T>)(result);
    } catch (error) {
      log.warn('ack failed', { event, error: String(error) });
    }
  };
}

/** Runs a handler body; a thrown error becomes `internal` and is logged with its stack. */
export async function guarded<T>(log: Logger, event: string, body: () => Result<T> | Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await body();
  } catch (error) {
    if (isStorageFull(error)) {
      log.warn('request refused: the data dir is full', { event, error: String(error) });
      return fail('storage-full', storageFullMessage(`the result of ${event}`));
    }
    log.error('handler failed', { event, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return fail('internal', `${event} failed on the server; see the server log`);
  }
}
