/**
 * `directord-agent` / `directord agent`: flags → startAgent → run until SIGINT/SIGTERM.
 * Uses node:util parseArgs so the bundled agent stays one small file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../protocol/log.js';
import { FATAL_AGENT_CODES } from '../protocol/enrolment.js';
import { dataDirFrom, parseServerFile, serverFilePath, type ServerFile } from '../protocol/server-file.js';
import { enrol, enrolmentPath, readEnrolment, saveEnrolment, type EnrolmentState } from './enrolment.js';
import { backoffDelay } from './connection.js';
import { machineIdOf } from './facts.js';
import { startAgent } from './index.js';
import { normaliseFingerprint } from './tls-pin.js';
import { installAgentService, takeServiceFlags } from './service.js';
import type { ResolvedCli } from './resolved-cli.js';
import { AGENT_VERSION } from './version.js';

const USAGE = `Usage: directord-agent [options]

Runs a Directord Console agent: connects to the server and runs the jobs it is sent.

Options:
  --server URL        server URL (default: the enrolled server, else url from DATA_DIR/server.json)
  --token TOKEN       enrol with this token (first start only): the agent gets its own credential
                      and pins the server's certificate, both kept in CACHE_DIR/enrolment.json
  --fingerprint FP    with --token: require this server certificate (SHA-256) at first contact
  --no-enrol-wait     with --token: exit 1 at once when the server cannot be reached (by default the
                      agent waits for it, retrying with backoff, as it does once connected)
  --name NAME         same as --identity
  --key KEY           local agents only: the server's agent key (default: DATA_DIR/agent.key)
  --key-file FILE     local agents only: read the agent key from FILE
  --data-dir DIR      server data dir (default: $DIRECTORD_DATA_DIR, else ~/.local/share/directord)
  --identity NAME     this agent's identity (default: the host name)
  --cache-dir DIR     durable cache and outbox (default: DATA_DIR/agents/IDENTITY)
  --machine-id ID     machine id to report (default: /etc/machine-id and friends)
  --executor KIND     fork-server (default) or spawn
  --shell-per-job     run every job with a new \`/bin/sh -c\`, as Directord does; by default, where
                      /bin/sh is dash, the fork server runs a job in a fork of itself, which reads
                      the same but saves starting a shell per job (scripts that read $$, $PPID
                      or $- always get their own shell)
  --debug             verbose logging
  --install-service   write a systemd unit that runs this agent with these options
                      (system unit as root, else a user unit), then enable and start it
  --unit-dir DIR      with --install-service: write the unit here instead
  --no-start          with --install-service: write the unit only
  --version           print the version and exit
  --help              print this help and exit

Exit status 78: the server refused this agent for good (revoked, token expired or used up,
certificate changed); it says why and what to do, and does not retry.
`;

export type CliIo = Readonly<{
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}>;

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return dataDirFrom(undefined, env, homedir());
}

/** A host name the identity pattern accepts. */
export function defaultIdentity(name: string = hostname()): string {
  return name.replace(/[^A-Za-z0-9_.:@-]+/g, '-').replace(/^-+|-+$/g, '') || 'localhost';
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

class UsageError extends Error {}

/** server.json at `path` now (protocol/server-file.ts), or undefined: missing while the server restarts, unreadable, invalid. */
function serverFileAt(path: string): ServerFile | undefined {
  try {
    const parsed = parseServerFile(readFileSync(path, 'utf8'));
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}

/** The TLS fingerprint in server.json now (local agents trust their data dir), or undefined. */
export function readServerFingerprint(path: string): string | undefined {
  const fingerprint = serverFileAt(path)?.fingerprint;
  return fingerprint === undefined ? undefined : (normaliseFingerprint(fingerprint) ?? undefined);
}

/**
 * First start with `--token`: enrol, store credential + pin (0600), print the fingerprint.
 * Returns the stored state, or an exit code after saying why not.
 */
async function enrolFirst(resolved: ResolvedCli, io: CliIo): Promise<EnrolmentState | number> {
  if (resolved.enrolment) return resolved.enrolment;
  if (resolved.token === undefined) return 0;
  const machineId = machineIdOf(resolved.identity, resolved.machineId);
  const present = () =>
    enrol({
      serverUrl: resolved.serverUrl,
      identity: resolved.identity,
      machineId,
      token: resolved.token as string,
      ...(resolved.fingerprint ? { fingerprint: resolved.fingerprint } : {}),
    });
  let result = await present();
  // A server that is not up yet (installed before it, restarting) is waited for, as a connected
  // agent waits for a server that went away. Only before the token was presented: after that a
  // retry could find it used up by the attempt whose answer was lost.
  for (let attempt = 0; resolved.enrolWait && !result.ok && result.error.code === 'agent-offline'; attempt++) {
    const delay = backoffDelay(attempt);
    io.err(`directord-agent: ${result.error.message}; trying again in ${(delay / 1000).toFixed(1)} s\n`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    result = await present();
  }
  if (!result.ok) {
    io.err(`directord-agent: enrolment refused (${result.error.code}): ${result.error.message}\n`);
    return result.error.code === 'timeout' || result.error.code === 'agent-offline' ? 1 : EXIT_REFUSED;
  }
  mkdirSync(resolved.cacheDir, { recursive: true, mode: 0o700 });
  const state: EnrolmentState = {
    server: resolved.serverUrl,
    identity: resolved.identity,
    credential: result.value.credential,
    fingerprint: result.value.fingerprint,
    enrolledAt: Date.now(),
  };
  const file = saveEnrolment(resolved.cacheDir, state);
  io.out(`Enrolled as ${resolved.identity} with ${resolved.serverUrl}\n`);
  io.out(
    state.fingerprint
      ? `Server certificate SHA-256 fingerprint: ${state.fingerprint} (pinned in ${file})\n`
      : `The server speaks plain HTTP (loopback): no certificate to pin; credential stored in ${file}\n`,
  );
  return state;
}

/** The URL in server.json now, or undefined (missing while the server restarts, unreadable). */
export function readServerUrl(path: string): string | undefined {
  return serverFileAt(path)?.url;
}

/** Exit status when the server refused this agent for good (sysexits EX_CONFIG): do not restart it. */
export const EXIT_REFUSED = 78;

export type { ResolvedCli };

/** Parses argv; returns the agent settings, or a text to print and an exit code. */
export function resolveCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): ResolvedCli | { print: string; code: number; toStderr?: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        fingerprint: { type: 'string' },
        'no-enrol-wait': { type: 'boolean' },
        name: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        'data-dir': { type: 'string' },
        identity: { type: 'string' },
        'cache-dir': { type: 'string' },
        'machine-id': { type: 'string' },
        executor: { type: 'string' },
        'shell-per-job': { type: 'boolean' },
        debug: { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return { print: `directord-agent: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, code: 2, toStderr: true };
  }
  if (values.help) return { print: USAGE, code: 0 };
  if (values.version) return { print: `directord-agent ${AGENT_VERSION}\n`, code: 0 };
  if (values.executor !== undefined && values.executor !== 'fork-server' && values.executor !== 'spawn') {
    return { print: `directord-agent: --executor must be fork-server or spawn\n`, code: 2, toStderr: true };
  }
  try {
    const dataDir = values['data-dir'] ?? defaultDataDir(env);
    const infoPath = serverFilePath(dataDir);
    if (values.name !== undefined && values.identity !== undefined && values.name !== values.identity)
      throw new UsageError('--name and --identity name the same thing; give one');
    const identity = values.name ?? values.identity ?? defaultIdentity();
    const cacheDir = values['cache-dir'] ?? join(dataDir, 'agents', identity);
    const fingerprint = values.fingerprint === undefined ? undefined : normaliseFingerprint(values.fingerprint);
    if (fingerprint === null)
      throw new UsageError(`--fingerprint ${values.fingerprint}: expected a SHA-256 fingerprint (64 hex digits, colons optional)`);
    if (fingerprint !== undefined && values.token === undefined)
      throw new UsageError('--fingerprint goes with --token (an enrolled agent uses the fingerprint it pinned)');
    let enrolment: EnrolmentState | null;
    try {
      enrolment = readEnrolment(cacheDir);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (enrolment && enrolment.identity !== identity)
      throw new UsageError(
        `${enrolmentPath(cacheDir)} was made for agent ${enrolment.identity}, not ${identity}; use --name ${enrolment.identity} or another --cache-dir`,
      );
    let serverUrl = values.server ?? enrolment?.server;
    if (!serverUrl) {
      const info = parseServerFile(readText(infoPath, 'server info'));
      if (!info.ok) throw new UsageError(`${infoPath} is not a valid server file: ${info.error.message}; pass --server`);
      serverUrl = info.value.url;
    }
    const credentials = enrolment
      ? { enrolment }
      : values.token !== undefined
        ? { token: values.token, ...(fingerprint ? { fingerprint } : {}) }
        : {
            key:
              values.key ??
              (values['key-file']
                ? readText(values['key-file'], 'key file')
                : readText(join(dataDir, 'agent.key'), 'agent key (agents on other hosts enrol with --token instead)')),
          };
    if ('key' in credentials && !credentials.key) throw new UsageError('the agent key is empty');
    return {
      serverUrl,
      ...(values.server || enrolment ? {} : { serverInfoPath: infoPath }),
      ...credentials,
      identity,
      cacheDir,
      ...(values['machine-id'] ? { machineId: values['machine-id'] } : {}),
      ...(values.executor ? { executor: values.executor as 'fork-server' | 'spawn' } : {}),
      enrolWait: values['no-enrol-wait'] !== true,
      shellPerJob: values['shell-per-job'] === true,
      debug: values.debug ?? false,
    };
  } catch (error) {
    if (error instanceof UsageError) return { print: `directord-agent: ${error.message}\n`, code: 2, toStderr: true };
    throw error;
  }
}

/** Runs the agent until SIGINT/SIGTERM (or installs it as a service); resolves with the process exit code. */
export async function runAgentCli(
  argv: readonly string[],
  io: CliIo = defaultIo,
  options: { serviceEntry?: readonly string[] } = {},
): Promise<number> {
  const split = takeServiceFlags(argv);
  if ('error' in split) {
    io.err(`directord-agent: ${split.error}\n`);
    return 2;
  }
  if (split.service) {
    const deps = {
      resolveCli,
      dataDir: defaultDataDir(io.env),
      version: AGENT_VERSION,
      ...(options.serviceEntry ? { entry: options.serviceEntry } : {}),
    };
    return installAgentService(split.argv, split.service, io, deps);
  }
  const resolved = resolveCli(split.argv, io.env);
  if ('print' in resolved) {
    (resolved.toStderr ? io.err : io.out)(resolved.print);
    return resolved.code;
  }
  const log = createLogger(`agent:${resolved.identity}`, io.err, resolved.debug ? 'debug' : 'info');
  const enrolled = await enrolFirst(resolved, io);
  if (typeof enrolled === 'number' && enrolled !== 0) return enrolled;
  const enrolment = typeof enrolled === 'number' ? undefined : enrolled;
  const infoPath = resolved.serverInfoPath;
  const pin = enrolment
    ? { expected: () => enrolment.fingerprint ?? undefined, file: enrolmentPath(resolved.cacheDir) }
    : infoPath
      ? { expected: () => readServerFingerprint(infoPath) }
      : undefined;
  let refusedFor: ((code: number) => void) | undefined;
  let refused = false;
  let agent;
  try {
    agent = await startAgent({
      serverUrl: resolved.serverUrl,
      ...(resolved.serverInfoPath ? { discoverServerUrl: () => readServerUrl(resolved.serverInfoPath as string) } : {}),
      ...(enrolment ? { credential: enrolment.credential } : { key: resolved.key ?? '' }),
      ...(pin ? { pin } : {}),
      onFatal: (code) => {
        refused = true;
        refusedFor?.(
          FATAL_AGENT_CODES.has(code) || code === 'unauthorized' || code === 'certificate-changed' || code === 'forbidden'
            ? EXIT_REFUSED
            : 1,
        );
      },
      identity: resolved.identity,
      cacheDir: resolved.cacheDir,
      log,
      ...(resolved.machineId ? { machineId: resolved.machineId } : {}),
      ...(resolved.executor ? { executor: resolved.executor } : {}),
      ...(resolved.shellPerJob ? { jobShell: 'exec' as const } : {}),
    });
  } catch (error) {
    io.err(`directord-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  log.info('agent started', {
    server: resolved.serverUrl,
    cacheDir: resolved.cacheDir,
    executor: agent.stats().executor,
    jobShell: agent.stats().jobShell,
  });
  const running = agent;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn('second signal: exiting without waiting', { signal });
        process.exit(1);
      }
      stopping = true;
      log.info('stopping', { signal });
      running.close().then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(0);
        },
        (error: unknown) => {
          log.error('error while stopping', { error: String(error) });
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Refused for good (revoked, certificate changed, …): the link already said why; stop and exit.
    refusedFor = (code) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void running.close().finally(() => resolve(code));
    };
    if (refused) refusedFor(EXIT_REFUSED);
  });
}
