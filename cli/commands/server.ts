/** `directord server [--port N] [--host H]`: the server in the foreground, no local agent. */
import { createLogger } from '../../protocol/log.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { EXIT } from '../errors.js';
import { writeErr } from '../output.js';
import { choosePort, listenError, prepareDataDir } from '../server-setup.js';

export type ServerOptions = Readonly<{ port?: number; host: string }>;

export async function runServerCommand(options: ServerOptions, ctx: CliContext): Promise<number> {
  const dataDir = dataDirOf(ctx);
  prepareDataDir(dataDir);
  const port = await choosePort(options.port, options.host);
  const { runServer } = await import('../../server/main.js');
  const log = createLogger('directord:server', writeErr, ctx.debug ? 'debug' : 'info');
  const running = await runServer({ dataDir, port, host: options.host, log }).catch((error: unknown) => {
    throw listenError(error, options.host, port);
  });
  await running.stopped;
  return EXIT.ok;
}
