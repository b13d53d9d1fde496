/**
 * Installs and starts our one-file agent on a host over an open SSH session:
 * check Node ≥ 20 → upload `PREFIX/directord-agent.cjs.tmp` and rename it (atomic) → write the
 * credential and `run.sh` → start it (a systemd unit when root on a systemd host, else
 * `setsid nohup` with `agent.pid`) → wait until the server lists it online.
 * Any failure after the prefix is touched stops what was started and removes what was written
 * (the whole prefix when this run created it), so no half-installed agent is left behind.
 *
 * Files in PREFIX: directord-agent.cjs, enrol.token (0600, removed once the agent is online) or
 * agent.key, run.sh (0700), agent.pid and agent.log (nohup), cache/ (the agent's durable cache and
 * outbox, and enrolment.json: its own credential and pinned certificate).
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { BootstrapError, isNameTaken, nameTaken } from './failures.js';
import type { AgentCredential } from './enrolment.js';
import { shellQuote, type SshSession } from './ssh-session.js';
import type { BootstrapStep } from '../../protocol/bootstrap.js';

export const DEFAULT_PREFIX = '~/.local/share/directord-agent';
export const MIN_NODE_MAJOR = 20;

export type StartMode = 'auto' | 'systemd' | 'nohup';

export type InstallSettings = Readonly<{
  /** The local agent bundle (dist/directord-agent.cjs). */
  bundle: string;
  /** The URL the agent connects to, as seen from the host. */
  serverUrl: string;
  /** Install folder on the host; `~/` is the login user's home. */
  prefix: string;
  start: StartMode;
  /** How long to wait for the agent to show online (default 60 s). */
  onlineTimeoutMs?: number;
}>;

/** The server's view of an agent, to see the new one come online. */
export type AgentPresence = (identity: string) => Promise<Readonly<{ online: boolean; agentStartedAt: number }> | undefined>;

export type StepReporter = (step: BootstrapStep, state: 'running' | 'done', message: string) => void;

const q = shellQuote;
const sh = (script: string) => `sh -c ${q(script)}`;

type NodeProbe = Readonly<{ home: string; nodePath: string; version: string }>;

/** `node --version` through the login environment; throws no-node / old-node with the install hint. */
/** Marks where the probe's own lines start: login rc files may print to stdout before them. */
const PROBE_MARK = '--directord-probe--';

/** HOME, node's path and `node --version` from the probe's stdout, whatever rc files printed before. */
export function parseNodeProbe(stdout: string): { home: string; nodePath: string; version: string } {
  const lines = stdout.split(/\r?\n/);
  const at = lines.lastIndexOf(PROBE_MARK);
  const [home = '', nodePath = '', version = ''] = at >= 0 ? lines.slice(at + 1) : lines;
  return { home, nodePath, version: version.trim() };
}

export async function checkNode(ssh: SshSession, where: string): Promise<NodeProbe> {
  const r = await ssh.exec(
    sh(`printf "%s\\n" ${q(PROBE_MARK)} "$HOME"; p=$(command -v node) || exit 127; printf "%s\\n" "$p"; "$p" --version`),
    { timeoutMs: 30_000 },
  );
  const { home, nodePath, version } = parseNodeProbe(r.stdout);
  if (r.code === 127) throw new BootstrapError('no-node', `Node.js is not installed on ${where} (no \`node\` on the login PATH)`);
  const major = /^v(\d+)\./.exec(version)?.[1];
  if (r.code !== 0 || !major)
    throw new BootstrapError('no-node', `\`node --version\` failed on ${where}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
  if (Number(major) < MIN_NODE_MAJOR)
    throw new BootstrapError('old-node', `${where} has Node.js ${version}; the agent needs ${MIN_NODE_MAJOR} or later`);
  return { home, nodePath, version };
}

/** `~/x` → `HOME/x`; the result must be absolute. */
export function resolvePrefix(prefix: string, home: string): string {
  const expanded = prefix === '~' ? home : prefix.startsWith('~/') ? posix.join(home, prefix.slice(2)) : prefix;
  if (!posix.isAbsolute(expanded))
    throw new BootstrapError('bad-input', `install prefix ${JSON.stringify(prefix)} must be absolute or start with ~/`);
  return posix.normalize(expanded).replace(/\/+$/, '') || '/';
}

function unitName(identity: string): string {
  return `directord-agent-${identity.replace(/[^A-Za-z0-9_.-]/g, '_')}.service`;
}

type CredentialSetup = Readonly<{ file: string; content: string; script: string[] }>;

/**
 * The credential file and the run.sh lines that pass it. A token is only for the first start:
 * once the agent has CACHE/enrolment.json (its own credential and pinned certificate) run.sh
 * stops passing it, and bootstrap removes the file when the agent is online.
 */
function credentialSetup(credential: AgentCredential, prefix: string): CredentialSetup {
  if (credential.kind === 'token') {
    const file = posix.join(prefix, 'enrol.token');
    const enrolled = posix.join(prefix, 'cache', 'enrolment.json');
    const pin = credential.fingerprint ? ` --fingerprint ${q(credential.fingerprint)}` : '';
    return {
      file,
      content: `${credential.token}\n`,
      script: ['set --', `if [ -f ${q(file)} ] && [ ! -f ${q(enrolled)} ]; then set -- --token "$(cat ${q(file)})"${pin}; fi`],
    };
  }
  const file = posix.join(prefix, 'agent.key');
  return { file, content: `${credential.key}\n`, script: [`set -- --key-file ${q(file)}`] };
}

export function runScript(
  nodePath: string,
  prefix: string,
  serverUrl: string,
  identity: string,
  credentialScript: readonly string[],
): string {
  return [
    '#!/bin/sh',
    `# Written by directord bootstrap: runs the Directord Console agent ${identity}.`,
    ...credentialScript,
    // --no-enrol-wait: a first start that cannot reach the server exits, so the bootstrap reports it
    // at once (with agent.log) instead of waiting out its timeout; once enrolled it has no effect.
    `exec ${q(nodePath)} ${q(posix.join(prefix, 'directord-agent.cjs'))} --server ${q(serverUrl)} --identity ${q(identity)} --cache-dir ${q(posix.join(prefix, 'cache'))} --no-enrol-wait "$@"`,
    '',
  ].join('\n');
}

function systemdUnit(identity: string, runSh: string): string {
  return [
    '[Unit]',
    `Description=Directord Console agent ${identity}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=${runSh}`,
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Stops an agent started earlier from this prefix (pid file) so the new one can take its identity. */
const stopPidScript = (prefix: string) => {
  const pidFile = q(posix.join(prefix, 'agent.pid'));
  return `if [ -f ${pidFile} ]; then pid=$(cat ${pidFile}); if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -9 "$pid" 2>/dev/null; fi; rm -f ${pidFile}; fi; true`;
};

export type InstallResult = Readonly<{ prefix: string; startMode: 'systemd' | 'nohup'; nodeVersion: string }>;

/**
 * Installs, starts and waits for the agent `identity`; throws a {@link BootstrapError} after
 * cleaning up. `where` names the host in messages.
 */
export async function installAgent(
  ssh: SshSession,
  where: string,
  identity: string,
  credential: AgentCredential,
  settings: InstallSettings,
  presence: AgentPresence,
  report: StepReporter,
): Promise<InstallResult> {
  report('check-node', 'running', 'checking Node.js');
  const probe = await checkNode(ssh, where);
  report('check-node', 'done', `Node.js ${probe.version} at ${probe.nodePath}`);

  const prefix = resolvePrefix(settings.prefix, probe.home);
  const bundleFile = posix.join(prefix, 'directord-agent.cjs');
  const tmpFile = `${bundleFile}.tmp`;
  const runSh = posix.join(prefix, 'run.sh');
  const cred = credentialSetup(credential, prefix);
  const unit = unitName(identity);
  const unitFile = `/etc/systemd/system/${unit}`;

  report('upload', 'running', `preparing ${prefix}`);
  const prep = await ssh.exec(
    sh(
      `if [ -d ${q(prefix)} ]; then echo existed; fi; mkdir -p ${q(prefix)} || exit 13; [ -w ${q(prefix)} ] || { echo "${prefix}: Permission denied" >&2; exit 13; }; ${stopPidScript(prefix)}`,
    ),
    { timeoutMs: 30_000 },
  );
  if (prep.code !== 0) {
    const denied = prep.code === 13 || /permission denied|read-only|not permitted/i.test(prep.stderr);
    throw new BootstrapError(
      denied ? 'permission-denied' : 'internal',
      `cannot create ${prefix} on ${where}: ${prep.stderr.trim() || `exit ${prep.code}`}`,
    );
  }
  const createdPrefix = !prep.stdout.includes('existed');
  let startMode: 'systemd' | 'nohup' | null = null;

  const cleanup = async (): Promise<string> => {
    let logTail = '';
    try {
      const tail = await ssh.exec(sh(`tail -n 15 ${q(posix.join(prefix, 'agent.log'))} 2>/dev/null; true`), { timeoutMs: 15_000 });
      logTail = tail.stdout.trim();
      const stopUnit =
        startMode === 'systemd'
          ? `systemctl disable --now ${q(unit)} >/dev/null 2>&1; rm -f ${q(unitFile)}; systemctl daemon-reload >/dev/null 2>&1; `
          : '';
      const files = [tmpFile, bundleFile, cred.file, runSh].map(q).join(' ');
      const removeAll = createdPrefix ? `rm -rf ${q(prefix)}` : 'true';
      await ssh.exec(sh(`${stopUnit}${stopPidScript(prefix)}; rm -f ${files}; ${removeAll}`), { timeoutMs: 30_000 });
    } catch {
      // The connection may be what failed; the message says what could not be cleaned.
      logTail ||= '(could not clean up over SSH: remove the prefix by hand)';
    }
    return logTail;
  };

  try {
    const size = statSync(settings.bundle).size;
    report('upload', 'running', `uploading the agent (${Math.round(size / 1024)} KiB) to ${bundleFile}`);
    await ssh.put(settings.bundle, tmpFile, 0o644);
    await ssh.rename(tmpFile, bundleFile);
    report('upload', 'done', `agent at ${bundleFile}`);

    report('configure', 'running', 'writing the credential and run.sh');
    await ssh.write(cred.file, cred.content, 0o600);
    await ssh.write(runSh, runScript(probe.nodePath, prefix, settings.serverUrl, identity, cred.script), 0o700);
    report('configure', 'done', `${credential.kind === 'token' ? 'enrolment token' : 'agent key'} in ${cred.file}`);

    const before = await presence(identity);
    startMode = settings.start === 'auto' ? await detectStartMode(ssh) : settings.start;
    report('start', 'running', startMode === 'systemd' ? `starting ${unit}` : 'starting in the background (nohup)');
    await startAgent(ssh, startMode, prefix, runSh, unit, unitFile, identity);
    report('start', 'done', startMode === 'systemd' ? `${unit} enabled and started` : `running, pid in ${posix.join(prefix, 'agent.pid')}`);

    report('online', 'running', 'waiting for the agent to connect');
    await waitOnline(ssh, identity, before?.agentStartedAt, presence, startMode, prefix, unit, settings.onlineTimeoutMs ?? 60_000, where);
    if (credential.kind === 'token') {
      // Enrolled: the agent holds its own credential now; the used token has no business on the host.
      const removed = await ssh.exec(sh(`rm -f ${q(cred.file)}`), { timeoutMs: 15_000 });
      if (removed.code !== 0)
        throw new BootstrapError(
          'internal',
          `could not remove the used enrolment token ${cred.file}: ${removed.stderr.trim() || `exit ${removed.code}`}`,
        );
    }
    report('online', 'done', `${identity} is online${credential.kind === 'token' ? ' (enrolled with a single-use token)' : ''}`);
    return { prefix, startMode, nodeVersion: probe.version };
  } catch (error) {
    const logTail = await cleanup();
    if (error instanceof BootstrapError && error.code === 'not-online' && logTail) {
      const message = `${error.message}\nagent.log:\n${logTail}`;
      throw isNameTaken(logTail) ? nameTaken(identity, message) : new BootstrapError(error.code, message, error.hint);
    }
    throw error;
  }
}

async function detectStartMode(ssh: SshSession): Promise<'systemd' | 'nohup'> {
  const r = await ssh.exec(
    sh('[ "$(id -u)" = 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null && echo systemd || echo nohup'),
    { timeoutMs: 15_000 },
  );
  return r.stdout.trim() === 'systemd' ? 'systemd' : 'nohup';
}

async function startAgent(
  ssh: SshSession,
  mode: 'systemd' | 'nohup',
  prefix: string,
  runSh: string,
  unit: string,
  unitFile: string,
  identity: string,
): Promise<void> {
  if (mode === 'systemd') {
    await ssh.write(unitFile, systemdUnit(identity, runSh), 0o644);
    const r = await ssh.exec(sh(`systemctl daemon-reload && systemctl enable ${q(unit)} && systemctl restart ${q(unit)}`), {
      timeoutMs: 60_000,
    });
    if (r.code !== 0)
      throw new BootstrapError(
        /denied|access/i.test(r.stderr) ? 'permission-denied' : 'internal',
        `systemctl could not start ${unit}: ${r.stderr.trim() || `exit ${r.code}`}`,
      );
    return;
  }
  const log = q(posix.join(prefix, 'agent.log'));
  const pid = q(posix.join(prefix, 'agent.pid'));
  // setsid: the agent leaves the SSH session, so closing the connection does not hang it up.
  const r = await ssh.exec(
    sh(`cd ${q(prefix)} && S=$(command -v setsid || true); $S nohup ${q(runSh)} >>${log} 2>&1 </dev/null & echo $! >${pid}`),
    { timeoutMs: 30_000 },
  );
  if (r.code !== 0) throw new BootstrapError('internal', `could not start the agent: ${r.stderr.trim() || `exit ${r.code}`}`);
}

async function waitOnline(
  ssh: SshSession,
  identity: string,
  previousStart: number | undefined,
  presence: AgentPresence,
  mode: 'systemd' | 'nohup',
  prefix: string,
  unit: string,
  timeoutMs: number,
  where: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let nextLivenessCheck = Date.now() + 1500;
  const alive =
    mode === 'systemd' ? `systemctl is-active --quiet ${q(unit)}` : `kill -0 "$(cat ${q(posix.join(prefix, 'agent.pid'))})" 2>/dev/null`;
  for (;;) {
    const agent = await presence(identity);
    if (agent?.online && agent.agentStartedAt !== previousStart) return;
    if (Date.now() > deadline) {
      throw new BootstrapError(
        'not-online',
        `the agent on ${where} did not come online as ${identity} within ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    if (Date.now() >= nextLivenessCheck) {
      nextLivenessCheck = Date.now() + 2000;
      const r = await ssh.exec(sh(alive), { timeoutMs: 15_000 });
      if (r.code !== 0) throw new BootstrapError('not-online', `the agent on ${where} exited before it came online`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
