/**
 * The bootstrap engine (plain Node, shared by `directord bootstrap` and the console's
 * `hosts:bootstrap`): per host connect → catalog jobs → install our agent, reporting each step.
 * Serial hosts (a catalog's server targets) run first, one at a time; then the others with up to
 * `threads` at once. One host's failure never stops the others.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { renderTemplate } from '../../components/template.js';
import type { BootstrapHostResult, BootstrapProgress, BootstrapStep } from '../../protocol/bootstrap.js';
import type { EnrolmentIssuer } from './enrolment.js';
import { BootstrapError, asBootstrapError } from './failures.js';
import { installAgent, type AgentPresence, type InstallSettings } from './install-agent.js';
import { openSession, type HostKeys, type SshAuth, type SshEndpoint, type SshSession } from './ssh-session.js';

/** One catalog job the engine runs on a host over SSH (the catalog's `RUN`/`ADD`/`GET`). */
export type CatalogJob = Readonly<{ verb: 'RUN' | 'ADD' | 'GET'; text: string }>;

export type BootstrapHost = Readonly<{
  /** How the user named it (`user@host:port`); the key of its progress events. */
  label: string;
  endpoint: SshEndpoint;
  /** The agent identity (catalog `name`, else the host). */
  identity: string;
  /** Keys for this host only (catalog `key_file`), tried instead of the run's. */
  keyFiles?: readonly string[];
  /** Install folder for this host only (catalog `prefix`), instead of the run's. */
  prefix?: string;
  jobs: readonly CatalogJob[];
  /** Variables for the jobs' Jinja (the merged catalog); `directord_bootstrap` is added per host. */
  vars: Readonly<Record<string, unknown>>;
  installAgent: boolean;
}>;

export type HostProgress = Omit<BootstrapProgress, 'bootstrapId'>;

export type BootstrapRun = Readonly<{
  serial: readonly BootstrapHost[];
  parallel: readonly BootstrapHost[];
  /** Parallel hosts at once (Directord: --threads, default 10). */
  threads: number;
  auth: SshAuth;
  hostKeys: HostKeys;
  /** Needed when any host installs the agent. */
  install: InstallSettings | null;
  issuer: EnrolmentIssuer;
  presence: AgentPresence;
  /** Where relative ADD sources are looked up, in order. */
  sourceDirs: readonly string[];
  onProgress: (event: HostProgress) => void;
  connectTimeoutMs?: number;
  /** Per catalog job (default 10 minutes). */
  jobTimeoutMs?: number;
  clock?: () => number;
  /** Aborting closes every open connection: hosts in flight fail fast (server shutdown). */
  signal?: AbortSignal;
}>;

const IDENTITY = /^[A-Za-z0-9_.:@-]{1,253}$/;

/** Checks identities before anything connects: valid and unique among the agent installs. */
export function checkHosts(hosts: readonly BootstrapHost[]): void {
  const seen = new Map<string, string>();
  for (const host of hosts) {
    if (!host.installAgent) continue;
    if (!IDENTITY.test(host.identity))
      throw new BootstrapError(
        'bad-input',
        `${host.label}: ${JSON.stringify(host.identity)} cannot be an agent identity (letters, digits and _ . : @ - only); give the target a name (in a catalog "name:", in Add hosts NAME=user@host:port)`,
      );
    const other = seen.get(host.identity);
    if (other)
      throw new BootstrapError(
        'bad-input',
        `${other} and ${host.label} would both be agent ${host.identity}: give the targets distinct names (in a catalog "name:", in Add hosts NAME=user@host:port)`,
      );
    seen.set(host.identity, host.label);
  }
}

export async function runBootstrap(run: BootstrapRun): Promise<BootstrapHostResult[]> {
  checkHosts([...run.serial, ...run.parallel]);
  const results: BootstrapHostResult[] = [];
  for (const host of run.serial) results.push(await bootstrapHost(host, run));
  const queue = [...run.parallel];
  const parallelResults = new Map<BootstrapHost, BootstrapHostResult>();
  const worker = async () => {
    for (let host = queue.shift(); host; host = queue.shift()) parallelResults.set(host, await bootstrapHost(host, run));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(run.threads, queue.length)) }, worker));
  for (const host of run.parallel) results.push(parallelResults.get(host) as BootstrapHostResult);
  return results;
}

async function bootstrapHost(host: BootstrapHost, run: BootstrapRun): Promise<BootstrapHostResult> {
  const clock = run.clock ?? Date.now;
  const where = `${host.endpoint.username}@${host.endpoint.host}:${host.endpoint.port}`;
  let step: BootstrapStep = 'connect';
  const report = (s: BootstrapStep, state: 'running' | 'done', message: string) => {
    step = s;
    run.onProgress({ host: host.label, identity: host.identity, step: s, state, message, at: clock() });
  };
  let ssh: SshSession | null = null;
  const onAbort = () => ssh?.close();
  run.signal?.addEventListener('abort', onAbort);
  try {
    if (run.signal?.aborted)
      throw new BootstrapError('internal', 'the server is shutting down', 'Run the bootstrap again once the server is back.');
    report('connect', 'running', `connecting to ${where}`);
    const auth = host.keyFiles ? { keyFiles: host.keyFiles } : run.auth;
    ssh = await openSession(host.endpoint, auth, run.hostKeys, run.connectTimeoutMs ?? 20_000);
    if (run.signal?.aborted)
      throw new BootstrapError('internal', 'the server is shutting down', 'Run the bootstrap again once the server is back.');
    const key = ssh.hostKey;
    report(
      'connect',
      'done',
      `connected; host key ${key.keyType} ${key.fingerprint}${key.verdict === 'added' ? ` (new: recorded in ${run.hostKeys.file})` : ''}`,
    );
    if (host.jobs.length) await runJobs(ssh, host, run, report);
    if (host.installAgent) {
      if (!run.install) throw new BootstrapError('internal', 'no agent bundle to install');
      const credential = await run.issuer.issue(host.identity);
      try {
        await installAgent(
          ssh,
          where,
          host.identity,
          credential,
          host.prefix ? { ...run.install, prefix: host.prefix } : run.install,
          run.presence,
          report,
        );
      } catch (error) {
        await run.issuer.withdraw?.(credential);
        throw error;
      }
    }
    return { host: host.label, identity: host.identity, ok: true, hostKeyFingerprint: key.fingerprint };
  } catch (error) {
    const failure = asBootstrapError(error).toFailure();
    run.onProgress({ host: host.label, identity: host.identity, step, state: 'failed', message: failure.message, failure, at: clock() });
    return {
      host: host.label,
      identity: host.identity,
      ok: false,
      failure,
      ...(ssh ? { hostKeyFingerprint: ssh.hostKey.fingerprint } : {}),
    };
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    ssh?.close();
  }
}

function tail(text: string, lines = 20): string {
  return text.replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

async function runJobs(
  ssh: SshSession,
  host: BootstrapHost,
  run: BootstrapRun,
  report: (s: BootstrapStep, state: 'running' | 'done', message: string) => void,
): Promise<void> {
  const vars = {
    ...host.vars,
    directord_bootstrap: {
      host: host.endpoint.host,
      port: host.endpoint.port,
      username: host.endpoint.username,
      key_file: host.keyFiles?.[0] ?? run.auth.keyFiles[0] ?? null,
      jobs: host.jobs.map((j) => ({ [j.verb]: j.text })),
      ...(host.identity !== host.endpoint.host ? { name: host.identity } : {}),
    },
  };
  for (const [i, job] of host.jobs.entries()) {
    const label = `job ${i + 1}/${host.jobs.length} ${job.verb}`;
    let text: string;
    try {
      text = renderTemplate(job.text, vars);
    } catch (error) {
      throw new BootstrapError(
        'bad-input',
        `${label}: cannot render ${JSON.stringify(job.text)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    report('jobs', 'running', `${label}: ${text.length > 120 ? text.slice(0, 117) + '...' : text}`);
    if (job.verb === 'RUN') {
      const r = await ssh.exec(text, { pty: true, timeoutMs: run.jobTimeoutMs ?? 600_000 });
      if (r.code !== 0)
        throw new BootstrapError('job-failed', `${label} failed (exit ${r.code ?? r.signal}): ${text}\n${tail(r.stdout + r.stderr)}`);
      continue;
    }
    const words = text.trim().split(/\s+/);
    if (words.length !== 2)
      throw new BootstrapError(
        'bad-input',
        `${label}: expected "${job.verb} ${job.verb === 'ADD' ? 'LOCAL REMOTE' : 'REMOTE LOCAL'}", got ${JSON.stringify(text)}`,
      );
    if (job.verb === 'ADD') {
      const local = findSource(words[0] as string, run.sourceDirs);
      if (!local) throw new BootstrapError('bad-input', `${label}: ${words[0]} not found in ${run.sourceDirs.join(', ')}`);
      const remote = (words[1] as string).endsWith('/') ? `${words[1]}${basename(local)}` : (words[1] as string);
      await ssh.put(local, remote, statSync(local).mode & 0o7777);
    } else {
      const remote = words[0] as string;
      const localArg = words[1] as string;
      const local = localArg.endsWith('/') ? join(localArg, basename(remote)) : localArg;
      await ssh.get(remote, resolve(local));
    }
  }
  report('jobs', 'done', `${host.jobs.length} catalog job${host.jobs.length === 1 ? '' : 's'} done`);
}

function findSource(path: string, dirs: readonly string[]): string | undefined {
  if (isAbsolute(path)) return existsSync(path) ? path : undefined;
  for (const dir of dirs) {
    const candidate = resolve(dir, path);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}
