/** `directord server [--port N] [--host H] [--tls auto|on|off]`: the server in the foreground, no local agent. */
import { resolve } from 'node:path';
import { createLogger } from '../../protocol/log.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { EXIT } from '../errors.js';
import { writeErr } from '../output.js';
import { storageServerOptions, type StorageCliOptions } from './storage-options.js';
import { browserServerOptions, type BrowserCliOptions } from './browser-options.js';
import { smtpServerOptions, type SmtpCliOptions } from './smtp-option.js';
import { choosePort, listenError, prepareDataDir } from '../server-setup.js';
import { agentBundlePath } from '../paths.js';
import { plainTextWarning, type TlsCliMode } from './tls-option.js';

export type ServerOptions = Readonly<{ port?: number; host: string; tls?: TlsCliMode; componentsDir?: string }> &
  StorageCliOptions &
  BrowserCliOptions &
  SmtpCliOptions;

export async function runServerCommand(options: ServerOptions, ctx: CliContext): Promise<number> {
  const dataDir = dataDirOf(ctx);
  prepareDataDir(dataDir);
  const port = await choosePort(options.port, options.host);
  const { runServer } = await import('../../server/public.js');
  const log = createLogger('directord:server', writeErr, ctx.debug ? 'debug' : 'info');
  const componentsDir = options.componentsDir !== undefined ? resolve(options.componentsDir) : undefined;
  const agentBundle = agentBundlePath();
  const tls = options.tls ?? 'auto';
  const warning = plainTextWarning(tls, options.host);
  if (warning) log.warn(warning);
  const running = await runServer({
    dataDir,
    port,
    host: options.host,
    tls,
    log,
    ...storageServerOptions(options),
    ...browserServerOptions(options),
    ...smtpServerOptions(options),
    ...(componentsDir ? { componentsDir } : {}),
    ...(agentBundle ? { agentBundle } : {}),
  }).catch((error: unknown) => {
    throw listenError(error, options.host, port);
  });
  await running.stopped;
  return EXIT.ok;
}
