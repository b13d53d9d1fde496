/** `directord server`: start the server and stop it cleanly on SIGINT/SIGTERM. */
import { createServer, type DirectordServer, type ServerOptions } from './index.js';
import { createLogger } from '../protocol/log.js';
import { importModule } from './components/import-module.js';

export type RunningServer = Readonly<{
  server: DirectordServer;
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
  /** Resolves once the server has stopped, by signal or by `stop()`. */
  stopped: Promise<void>;
}>;

export async function runServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? createLogger('directord:server', (line) => process.stderr.write(line));
  const server = await createServer({ importModule, ...options, log });
  let stopping: Promise<void> | null = null;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting without a clean shutdown', { signal });
      process.exit(1);
    }
    log.info('stopping', { signal });
    void stop();
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await server.close();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        markStopped();
      }
    })());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { server, stop, stopped };
}
