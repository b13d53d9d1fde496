/**
 * `serve`'s local agents: child processes running the agent, restarted with backoff when one
 * crashes, stopped with SIGTERM (then SIGKILL after a grace period) on shutdown. Their output
 * goes to our stderr, one prefixed line at a time, so stdout keeps only the console URL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Logger } from '../protocol/log.js';
import { writeErr } from './output.js';

export type LocalAgentSpec = Readonly<{ identity: string; cacheDir: string }>;

export type AgentCommand = Readonly<{ file: string; args: readonly string[] }>;

export type LocalAgentsOptions = Readonly<{
  dataDir: string;
  command: AgentCommand;
  /** Extra arguments for every agent (e.g. `--debug`). */
  extraArgs?: readonly string[];
  log: Logger;
  /** First restart delay; doubles per quick crash up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long a stopping agent may take before SIGKILL. */
  stopGraceMs?: number;
  /**
   * Give each agent its own /tmp (a private mount namespace: `unshare --mount` and a bind mount
   * of DATA_DIR/agents-tmp/IDENTITY over /tmp). Directord's file jobs write fixed paths under /tmp,
   * so agents sharing one /tmp overwrite each other's files. Default: where the host allows it
   * (root and a working unshare(1)); otherwise the agents share /tmp and a note is logged.
   */
  privateTmp?: boolean;
}>;

export type LocalAgents = Readonly<{
  /** Pids of the running agents, by identity (tests). */
  pids(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}>;

/** A name the identity pattern accepts, from this host's name. */
export function localIdentityBase(name: string = hostname()): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.:@-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned || 'localhost';
}

/** `<host>`, `<host>-2`, `<host>-3`, … with cache dirs DATA_DIR/agents/<identity>. */
export function localAgentSpecs(count: number, dataDir: string, base: string = localIdentityBase()): LocalAgentSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const identity = i === 0 ? base : `${base}-${i + 1}`;
    return { identity, cacheDir: join(dataDir, 'agents', identity) };
  });
}

function pipeLines(stream: NodeJS.ReadableStream | null, prefix: string): void {
  if (!stream) return;
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) writeErr(`${prefix}${l}\n`);
  });
  stream.on('end', () => {
    if (buffered) writeErr(`${prefix}${buffered}\n`);
    buffered = '';
  });
}

const QUICK_CRASH_MS = 30_000;
/** An agent exits with this (agent/cli.ts EXIT_REFUSED) when the server refused it for good, e.g. revoked: restarting would only be refused again. */
const AGENT_REFUSED_EXIT = 78;

/**
 * Preloaded into every local agent: when `serve` disappears without stopping it (SIGKILL, a
 * crash), the agent's parent pid changes and it stops itself cleanly instead of lingering and
 * holding its cache dir (DIRECTORD_SERVE_PID names the parent, so a parent that died before
 * the agent started is noticed too). A data: URL, so no extra file has to ship with the bundle.
 */
export const PARENT_WATCHDOG =
  'data:text/javascript,' +
  encodeURIComponent(
    "const p=Number(process.env.DIRECTORD_SERVE_PID)||process.ppid;const t=setInterval(()=>{if(process.ppid!==p){clearInterval(t);process.kill(process.pid,'SIGTERM');}},1000);t.unref();",
  );

/**
 * Runs the agent in its own mount namespace with `tmpDir` mounted over /tmp. Paths the agent needs
 * that live under /tmp themselves (a data dir made with mktemp, the agent bundle of a test build)
 * are bound back at the same path first, so only the rest of /tmp is private. `unshare` and `sh`
 * exec (no fork): the pid the caller gets is the agent's, and signals reach it directly.
 */
const PRIVATE_TMP_SCRIPT = [
  'set -e',
  'priv="$1"; shift',
  'mkdir -p "$priv"; chmod 1777 "$priv"',
  'while [ "$1" != "--" ]; do rel="${1#/tmp/}"; mkdir -p "$priv/$rel"; mount --bind "$1" "$priv/$rel"; shift; done',
  'shift',
  'mount --rbind "$priv" /tmp',
  'exec "$@"',
].join('\n');

export type Launch = Readonly<{ file: string; args: readonly string[] }>;

/** `file args` wrapped so it runs with `tmpDir` as its /tmp, keeping `keep` (paths under /tmp) visible. */
export function privateTmpLaunch(file: string, args: readonly string[], tmpDir: string, keep: readonly string[]): Launch {
  return {
    file: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      PRIVATE_TMP_SCRIPT,
      'directord-private-tmp',
      tmpDir,
      ...keep,
      '--',
      file,
      ...args,
    ],
  };
}

/** The paths under /tmp among `paths` (resolved), without those inside another one. */
export function pathsUnderTmp(paths: readonly string[]): string[] {
  const under = new Set<string>();
  for (const p of paths) {
    if (!isAbsolute(p) || !existsSync(p)) continue;
    const real = realpathSync(p);
    if (real.startsWith('/tmp/')) under.add(real);
  }
  const sorted = [...under].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/** Whether this host can give a process a private /tmp: Linux, root, and unshare(1) that works. */
export function privateTmpSupported(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount --bind /tmp /tmp'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  if (probe.error) return { ok: false, why: `unshare(1) could not run (${probe.error.message})` };
  return probe.status === 0 ? { ok: true } : { ok: false, why: 'unshare --mount is not allowed here (a container without CAP_SYS_ADMIN?)' };
}

export function startLocalAgents(specs: readonly LocalAgentSpec[], options: LocalAgentsOptions): LocalAgents {
  const { log } = options;
  let privateTmp = false;
  if (options.privateTmp !== false) {
    const support = privateTmpSupported();
    privateTmp = support.ok;
    if (support.ok)
      log.info('local agents each get their own /tmp (private mount namespace)', { dir: join(options.dataDir, 'agents-tmp') });
    else if (specs.length > 1)
      log.warn(
        `local agents share /tmp (${support.why}): orchestrations that write fixed /tmp paths, like Directord's functional tests, can collide between them`,
      );
  }
  const backoff = options.backoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const grace = options.stopGraceMs ?? 10_000;
  const children = new Map<string, ChildProcess>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopping = false;

  const launch = (spec: LocalAgentSpec, failures: number): void => {
    if (stopping) return;
    const watchdog = options.command.file === process.execPath ? ['--import', PARENT_WATCHDOG] : [];
    const args = [
      ...watchdog,
      ...options.command.args,
      '--data-dir',
      options.dataDir,
      '--identity',
      spec.identity,
      '--cache-dir',
      spec.cacheDir,
      ...(options.extraArgs ?? []),
    ];
    const invocation: Launch = privateTmp
      ? privateTmpLaunch(
          options.command.file,
          args,
          join(options.dataDir, 'agents-tmp', spec.identity),
          pathsUnderTmp([
            options.dataDir,
            spec.cacheDir,
            dirname(options.command.file),
            ...options.command.args.filter(isAbsolute).map((a) => dirname(a)),
            process.cwd(),
          ]),
        )
      : { file: options.command.file, args };
    const startedAt = Date.now();
    // Own process group: a terminal's Ctrl-C reaches only `serve`, which then stops each agent
    // once (an agent given SIGINT and then SIGTERM would exit without its clean shutdown).
    const child = spawn(invocation.file, invocation.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, DIRECTORD_DATA_DIR: options.dataDir, DIRECTORD_SERVE_PID: String(process.pid) },
    });
    children.set(spec.identity, child);
    const prefix = `[agent ${spec.identity}] `;
    pipeLines(child.stdout, prefix);
    pipeLines(child.stderr, prefix);
    log.debug('local agent started', { identity: spec.identity, pid: child.pid });
    child.once('error', (error) => log.error('local agent could not start', { identity: spec.identity, error: error.message }));
    child.once('exit', (code, signal) => {
      if (children.get(spec.identity) === child) children.delete(spec.identity);
      if (stopping) return;
      if (code === AGENT_REFUSED_EXIT) {
        log.error(`local agent ${spec.identity} was refused by the server for good (see its last lines); not restarting it`);
        return;
      }
      const quick = Date.now() - startedAt < QUICK_CRASH_MS;
      const nextFailures = quick ? failures + 1 : 0;
      const delay = Math.min(maxBackoff, backoff * 2 ** Math.max(0, nextFailures - 1));
      log.warn(`local agent ${spec.identity} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        launch(spec, nextFailures);
      }, delay);
      timers.add(timer);
    });
  };

  for (const spec of specs) launch(spec, 0);

  return {
    pids: () => new Map([...children].flatMap(([id, child]) => (child.pid === undefined ? [] : [[id, child.pid] as const]))),
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const kill = setTimeout(() => child.kill('SIGKILL'), grace);
              child.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      children.clear();
    },
  };
}
