/**
 * `directord serve [--port N] [--host H] [--tls auto|on|off] [--local-agents N] [--no-agent]` [--components-dir DIR]: the headless console.
 * Starts the server in this process (serving renderer/dist when it is built), N local agents as
 * child processes (`<hostname>`, `<hostname>-2`, …, caches in DATA_DIR/agents/<identity>), and
 * prints exactly one stdout line: `Directord Console: http://127.0.0.1:PORT/?token=TOKEN`.
 * SIGINT/SIGTERM stop the agents first (they flush their outboxes), then the server.
 */
import { resolve } from 'node:path';
import { createLogger } from '../../protocol/log.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { localAgentSpecs, startLocalAgents } from '../local-agents.js';
import { line, writeErr } from '../output.js';
import { agentBundlePath, agentCommand, consoleStaticDir } from '../paths.js';
import { storageServerOptions, type StorageCliOptions } from './storage-options.js';
import { browserServerOptions, type BrowserCliOptions } from './browser-options.js';
import { smtpServerOptions, type SmtpCliOptions } from './smtp-option.js';
import { plainTextWarning, type TlsCliMode } from './tls-option.js';
import { choosePort, listenError, prepareDataDir } from '../server-setup.js';
import { EXIT } from '../errors.js';

export type ServeOptions = Readonly<{
  port?: number;
  host: string;
  tls?: TlsCliMode;
  localAgents: number;
  agent: boolean;
  componentsDir?: string;
}> &
  StorageCliOptions &
  BrowserCliOptions &
  SmtpCliOptions;

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1', '']);

/** The one line `serve` prints; loopback and wildcard listeners are shown as 127.0.0.1. */
export function consoleLine(host: string, port: number, url: string, token: string): string {
  // TLS is on for non-loopback hosts (0.0.0.0 included): keep the server's scheme.
  const base = LOCAL_HOSTS.has(host) ? `${url.startsWith('https:') ? 'https' : 'http'}://127.0.0.1:${port}` : url.replace(/\/+$/, '');
  return `Directord Console: ${base}/?token=${token}`;
}

export async function runServe(options: ServeOptions, ctx: CliContext): Promise<number> {
  const dataDir = dataDirOf(ctx);
  prepareDataDir(dataDir);
  const log = createLogger('serve', writeErr, ctx.debug ? 'debug' : 'info');
  const port = await choosePort(options.port, options.host);
  const signal = shutdownSignal();
  const { createServer, importModule } = await import('../../server/public.js');
  const componentsDir = options.componentsDir !== undefined ? resolve(options.componentsDir) : undefined;
  const tls = options.tls ?? 'auto';
  const warning = plainTextWarning(tls, options.host);
  if (warning) log.warn(warning);
  const server = await createServer({
    dataDir,
    port,
    host: options.host,
    tls,
    staticDir: consoleStaticDir(),
    log: log.child('server'),
    importModule,
    ...storageServerOptions(options),
    ...browserServerOptions(options),
    ...smtpServerOptions(options),
    ...(componentsDir ? { componentsDir } : {}),
    ...(agentBundlePath() ? { agentBundle: agentBundlePath() } : {}),
  }).catch((error: unknown) => {
    throw listenError(error, options.host, port);
  });
  const count = options.agent ? options.localAgents : 0;
  const agents =
    count > 0
      ? startLocalAgents(localAgentSpecs(count, dataDir), {
          dataDir,
          command: agentCommand(),
          extraArgs: ctx.debug ? ['--debug'] : [],
          log,
        })
      : null;
  line(consoleLine(options.host, server.port, server.url, server.uiToken));
  const received = await signal;
  log.info(`${received}: stopping${agents ? ' local agents, then' : ''} the server`);
  await agents?.stop();
  await server.close();
  return EXIT.ok;
}
