/**
 * Everything the server starts registers its stop here (conventions §4.8); `dispose()` runs the
 * disposers in reverse order and waits for each, so later resources close before what they use.
 */
import type { Logger } from '../../protocol/log.js';

export type Disposer = () => void | Promise<void>;

export type DisposableStore = Readonly<{
  add(disposer: Disposer): Disposer;
  dispose(): Promise<void>;
  readonly disposed: boolean;
}>;

export function createDisposableStore(log: Logger): DisposableStore {
  const disposers: Disposer[] = [];
  let disposed = false;
  return {
    add(disposer) {
      if (disposed) void Promise.resolve().then(disposer);
      else disposers.push(disposer);
      return disposer;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      while (disposers.length) {
        const next = disposers.pop() as Disposer;
        try {
          await next();
        } catch (error) {
          log.error('disposer failed', { error: String(error) });
        }
      }
    },
    get disposed() {
      return disposed;
    },
  };
}

/** A `setInterval` that returns its disposer. */
export function every(ms: number, fn: () => void): Disposer {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
}
