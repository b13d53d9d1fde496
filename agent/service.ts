/**
 * `--install-service`: a systemd unit that keeps this agent running (system unit when root,
 * user unit otherwise), then `systemctl daemon-reload` and `enable --now`.
 *
 * The unit runs the same agent with the same options it was given, pinned: absolute paths, the
 * identity and cache (state) dir resolved now, so a later host rename or working directory does
 * not change which agent this is. Secrets never go into the unit (units are world-readable):
 * the key is read at start from `--key-file` or the data dir, per-agent credentials from the
 * state dir.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ResolvedCli } from './resolved-cli.js';

export const SERVICE_NAME = 'directord-agent.service';

export type ServiceRequest = Readonly<{ unitDir?: string; start: boolean }>;

/** Flags that would put a secret on the unit's command line. */
const SECRET_FLAGS = ['--key', '--token'];
/** Options whose value is a path: made absolute, since the service starts in `/`. */
const PATH_FLAGS = ['--key-file', '--data-dir', '--cache-dir'];

/**
 * Splits the service flags (`--install-service`, `--unit-dir DIR`, `--no-start`) off the agent's
 * own argv. `service` is undefined when `--install-service` is not given.
 */
export function takeServiceFlags(argv: readonly string[]): { argv: string[]; service?: ServiceRequest } | { error: string } {
  const rest: string[] = [];
  let install = false;
  let start = true;
  let unitDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--install-service') install = true;
    else if (arg === '--no-start') start = false;
    else if (arg === '--unit-dir' || arg.startsWith('--unit-dir=')) {
      const value = arg === '--unit-dir' ? argv[++i] : arg.slice('--unit-dir='.length);
      if (!value) return { error: '--unit-dir needs a directory' };
      unitDir = value;
    } else rest.push(arg);
  }
  if (!install && (unitDir !== undefined || !start)) return { error: '--unit-dir and --no-start go with --install-service' };
  return install ? { argv: rest, service: { start, ...(unitDir !== undefined ? { unitDir } : {}) } } : { argv: rest };
}

/** The secret-bearing flag in argv, if any. */
export function secretFlagIn(argv: readonly string[]): string | undefined {
  return argv.find((a) => SECRET_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)))?.replace(/=.*$/s, '');
}

function flagGiven(argv: readonly string[], flag: string): boolean {
  return argv.some((a) => a === flag || a.startsWith(`${flag}=`));
}

/** argv with the values of path options made absolute against `cwd` (a service starts in `/`). */
export function withAbsolutePaths(argv: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!PATH_FLAGS.includes(name)) out.push(arg);
    else if (eq > 0) out.push(name, resolve(cwd, arg.slice(eq + 1)));
    else if (i + 1 < argv.length) out.push(name, resolve(cwd, argv[++i] as string));
    else out.push(arg);
  }
  return out;
}

/**
 * The agent options the unit runs with: the given ones, plus `--data-dir`, `--identity` and
 * `--cache-dir` as resolved now when they were not given.
 */
export function pinnedAgentArgs(argv: readonly string[], resolved: ResolvedCli, dataDir: string, cwd: string): string[] {
  const out = [...argv];
  if (!flagGiven(argv, '--data-dir')) out.push('--data-dir', resolve(cwd, dataDir));
  if (!flagGiven(argv, '--identity')) out.push('--identity', resolved.identity);
  if (!flagGiven(argv, '--cache-dir')) out.push('--cache-dir', resolve(cwd, resolved.cacheDir));
  return out;
}

/**
 * One ExecStart word: always double-quoted, with systemd's escapes for `\` and `"` and its
 * specifier (`%`) and variable (`$`) expansion turned off.
 */
export function systemdQuote(word: string): string {
  if (/[\n\r\0]/.test(word)) throw new Error(`cannot put ${JSON.stringify(word)} on a unit's command line`);
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export type UnitSpec = Readonly<{
  /** Absolute: the node binary, then the agent entry and its options. */
  command: readonly string[];
  identity: string;
  system: boolean;
  version: string;
}>;

/**
 * The unit. Hardening is limited to what cannot change a job's outcome: the agent exists to run
 * arbitrary commands as its user (root for a system unit, like Directord's client), so
 * ProtectSystem/ProtectHome/PrivateTmp/NoNewPrivileges/RestrictNamespaces and friends would break
 * package installs, config writes, sudo and containers. What it does set: no core dumps (the key
 * is in memory), a fixed umask, a graceful stop (SIGTERM to the agent, which finishes its jobs'
 * bookkeeping, before the job processes are killed) and an unlimited restart budget.
 */
export function renderUnit(spec: UnitSpec): string {
  const execStart = spec.command.map(systemdQuote).join(' ');
  const lines = [
    `# Written by \`directord-agent --install-service\` (Directord Console ${spec.version}).`,
    '# Secrets are not in this file: the agent reads its key from --key-file or --data-dir.',
    '[Unit]',
    `Description=Directord Console agent (${spec.identity.replace(/%/g, '%%')})`,
    ...(spec.system ? ['Wants=network-online.target', 'After=network-online.target'] : []),
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=mixed',
    'TimeoutStopSec=30',
    'UMask=0022',
    'LimitCORE=0',
    'LimitNOFILE=65536',
    'SyslogIdentifier=directord-agent',
    '',
    '[Install]',
    `WantedBy=${spec.system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}

export function defaultUnitDir(system: boolean, env: NodeJS.ProcessEnv): string {
  if (system) return '/etc/systemd/system';
  const config = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'systemd', 'user');
}

export type InstallIo = Readonly<{ out(text: string): void; err(text: string): void; env: NodeJS.ProcessEnv }>;

export type InstallPlan = Readonly<{
  request: ServiceRequest;
  spec: UnitSpec;
  cwd: string;
}>;

/** Writes the unit and, unless `--no-start`, enables and starts it. Returns the exit code. */
export function installService(plan: InstallPlan, io: InstallIo): number {
  const { request, spec } = plan;
  const unitDir = resolve(plan.cwd, request.unitDir ?? defaultUnitDir(spec.system, io.env));
  const unitPath = join(unitDir, SERVICE_NAME);
  try {
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(unitPath, renderUnit(spec), { mode: 0o644 });
  } catch (error) {
    io.err(`directord-agent: cannot write ${unitPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return 1;
  }
  io.out(`wrote ${unitPath}\n`);
  const scope = spec.system ? [] : ['--user'];
  const steps = [
    [...scope, 'daemon-reload'],
    [...scope, 'enable', '--now', SERVICE_NAME],
  ];
  const todo = steps.map((s) => `systemctl ${s.join(' ')}`).join(' && ');
  const linger = spec.system ? '' : `To keep it running when you are logged out: loginctl enable-linger ${io.env.USER ?? '$USER'}\n`;
  if (!request.start) {
    io.out(`not started (--no-start); to start it: ${todo}\n${linger}`);
    return 0;
  }
  for (const step of steps) {
    const r = spawnSync('systemctl', step, { encoding: 'utf8', env: io.env, timeout: 60_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`directord-agent: systemctl not found; the unit is written but not started. On a systemd host run: ${todo}\n`);
      return 0;
    }
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim();
      io.err(`directord-agent: systemctl ${step.join(' ')} failed: ${why}\nThe unit is at ${unitPath}; fix the cause, then run: ${todo}\n`);
      return 1;
    }
  }
  io.out(`${SERVICE_NAME} enabled and started (systemctl ${scope.join(' ')}${scope.length ? ' ' : ''}status ${SERVICE_NAME})\n${linger}`);
  return 0;
}

export type AgentServiceDeps = Readonly<{
  /** The agent's own argv parser (agent/cli.ts): validates the options now, so a unit never starts a misconfigured agent. */
  resolveCli(argv: readonly string[], env: NodeJS.ProcessEnv): ResolvedCli | { print: string; code: number; toStderr?: boolean };
  /** The data dir the agent uses when `--data-dir` is not given. */
  dataDir: string;
  version: string;
  /** How to start this agent, absolute: the one-file agent, or the `directord` bin and `agent`. Default: this script. */
  entry?: readonly string[];
  isRoot?: boolean;
  cwd?: string;
  nodePath?: string;
}>;

/** `--install-service` end to end: checks the options, writes the unit, starts it. */
export function installAgentService(argv: readonly string[], request: ServiceRequest, io: InstallIo, deps: AgentServiceDeps): number {
  const secret = secretFlagIn(argv);
  if (secret) {
    io.err(
      `directord-agent: --install-service does not put ${secret} on the unit's command line (units are world-readable); give the key with --key-file FILE or through --data-dir\n`,
    );
    return 2;
  }
  const cwd = deps.cwd ?? process.cwd();
  const args = withAbsolutePaths(argv, cwd);
  const resolved = deps.resolveCli(args, io.env);
  if ('print' in resolved) {
    (resolved.toStderr ? io.err : io.out)(resolved.print);
    return resolved.code;
  }
  if (process.platform !== 'linux' && request.unitDir === undefined) {
    io.err('directord-agent: --install-service writes a systemd unit, which needs Linux (or --unit-dir DIR)\n');
    return 2;
  }
  const entry = deps.entry ?? [process.argv[1] ?? ''];
  if (!entry[0] || !isAbsolute(entry[0])) {
    io.err(
      `directord-agent: the unit needs the one-file agent by absolute path (npm run build:agent writes dist/directord-agent.cjs), not ${entry.join(' ') || 'nothing'}\n`,
    );
    return 2;
  }
  const isRoot = deps.isRoot ?? process.getuid?.() === 0;
  const command = [deps.nodePath ?? process.execPath, ...entry, ...pinnedAgentArgs(args, resolved, deps.dataDir, cwd)];
  return installService({ request, cwd, spec: { command, identity: resolved.identity, system: isRoot, version: deps.version } }, io);
}
