/**
 * `startAgent`: the agent's composition root. Opens the durable cache and outbox in `cacheDir`,
 * picks the executor, and connects to the server; jobs arrive over `job:dispatch`, run through
 * the components, and their events leave through the outbox.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { builtinComponents } from '../components/builtin/index.js';
import type { Component } from '../components/define.js';
import { renderTemplate } from '../components/template.js';
import { componentManifest } from '../components/registry.js';
import type { AgentHello, Heartbeat } from '../protocol/agents.js';
import { createLogger, type Logger } from '../protocol/log.js';
import { PROTOCOL_VERSION, LIMITS } from '../protocol/version.js';
import { AgentCache } from './cache/agent-cache.js';
import { answerCacheQuery } from './cache/cache-query.js';
import { createComponentInstaller } from './components/installer.js';
import { connect, type Connection } from './connection.js';
import { createExecutor, type JobShell } from './exec/index.js';
import type { ExecutorKind } from './exec/types.js';
import { hostFacts, machineIdOf } from './facts.js';
import { NamedLocks } from './jobs/locks.js';
import { JobManager } from './jobs/manager.js';
import type { AgentServerLink } from './jobs/types.js';
import { lockCacheDir } from './lock.js';
import { Outbox } from './outbox/outbox.js';
import { AGENT_VERSION } from './version.js';

export type AgentOptions = Readonly<{
  serverUrl: string;
  /** Asked again when the server cannot be reached (e.g. re-reads server.json after a restart on another port). */
  discoverServerUrl?: () => string | undefined;
  /** The local agents' key (DATA_DIR/agent.key, accepted over loopback only); or `credential`. */
  key?: string;
  /** This agent's own credential from enrolment (agent/enrolment.ts). */
  credential?: string;
  /** TLS: the server certificate fingerprint to require (agent/tls-pin.ts). */
  pin?: Readonly<{ expected: () => string | undefined; file?: string }>;
  /** The server refused this agent for good (revoked, certificate changed): the link stopped; exit. */
  onFatal?: (code: string, message: string) => void;
  identity: string;
  /** Where the durable cache and outbox live (one agent per dir). */
  cacheDir: string;
  /** Default: the built-in components. */
  components?: readonly Component[];
  /** Default: the fork server where the host has a POSIX /bin/sh, else spawn. */
  executor?: ExecutorKind;
  /** How the fork server runs each job (default: `subshell` where /bin/sh is dash; see jobCommand). */
  jobShell?: JobShell;
  /** Per job and stream (default LIMITS.defaultOutputCapBytes). */
  outputCapBytes?: number;
  log?: Logger;
  /** Default: spec 1.8 sources, else the identity. */
  machineId?: string;
  /** Concurrent non-bypass queues (default min(16, 2×cores)+1). */
  maxQueues?: number;
}>;

export type AgentStats = Readonly<{
  connected: boolean;
  connects: number;
  running: number;
  queued: number;
  completed: number;
  outboxPending: number;
  batchesSent: number;
  executor: ExecutorKind;
  /** How jobs run: a fork of the fork server (`subshell`) or a new `/bin/sh -c` each (`exec`, and always with spawn). */
  jobShell: JobShell;
}>;

export type RunningAgent = Readonly<{
  identity: string;
  /** Stops taking jobs, aborts running ones, flushes the outbox (briefly) and disconnects. */
  close(): Promise<void>;
  /** Resolves once connected and greeted (hello accepted). */
  whenConnected(): Promise<void>;
  stats(): AgentStats;
}>;

const IDENTITY = /^[A-Za-z0-9_.:@-]{1,253}$/;
/** On close, how long to wait for the server to ack what is still in the outbox. */
const CLOSE_DRAIN_MS = 2000;

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { identity } = options;
  if (!IDENTITY.test(identity)) throw new Error(`invalid agent identity ${JSON.stringify(identity)}: use letters, digits and _ . : @ -`);
  const log = options.log ?? createLogger(`agent:${identity}`, (line) => process.stderr.write(line));
  mkdirSync(options.cacheDir, { recursive: true, mode: 0o700 });
  const unlock = lockCacheDir(options.cacheDir);
  const cache = new AgentCache({ dir: options.cacheDir, log: log.child('cache') });
  // Set once the job manager exists (it needs the outbox first).
  let jobsQueued = (): boolean => false;
  const outbox = new Outbox({ dir: options.cacheDir, log: log.child('outbox'), moreComing: () => jobsQueued() });
  const executor = createExecutor(options.executor, log.child('exec'), options.jobShell);
  const components = options.components ?? builtinComponents;
  const byVerb = new Map(components.map((c) => [c.verb, c] as const));
  const manifests = components.map((c) => componentManifest(c));
  const installer = createComponentInstaller({
    cacheDir: options.cacheDir,
    components: byVerb,
    builtinVerbs: new Set(byVerb.keys()),
    log: log.child('components'),
  });
  await installer.restore();
  let connection: Connection | null = null;
  const link = (): Connection => {
    if (!connection) throw new Error('not connected to the server yet');
    return connection;
  };
  const server: AgentServerLink = {
    async blob(sha, jobId, signal) {
      const parts: Buffer[] = [];
      let offset = 0;
      for (;;) {
        const result = await link().request('blob:get', { sha, jobId, offset }, signal);
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        const piece = Buffer.from(result.value.content, 'base64');
        parts.push(piece);
        offset += piece.length;
        if (offset >= result.value.size || piece.length === 0) break;
      }
      return Buffer.concat(parts);
    },
    async jobStates(sha, identities, signal) {
      const result = await link().request('jobs:state', { sha, identities: [...identities] }, signal);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value.states;
    },
  };
  const machineId = machineIdOf(identity, options.machineId);
  const startedAt = Date.now();
  // The server says in its welcome how much output it stores; more would be sent only to be dropped.
  let serverCapBytes: number | undefined;
  const manager = new JobManager(
    {
      identity,
      cache,
      outbox,
      executor,
      components: byVerb,
      locks: new NamedLocks(),
      get outputCapBytes() {
        const server = serverCapBytes ?? LIMITS.defaultOutputCapBytes;
        return options.outputCapBytes !== undefined ? Math.min(options.outputCapBytes, server) : server;
      },
      log: log.child('jobs'),
      render: renderTemplate,
      server,
    },
    { cores: os.availableParallelism(), maxQueues: options.maxQueues },
  );
  jobsQueued = () => manager.hasQueued();

  const hello = (): AgentHello => ({
    protocolVersion: PROTOCOL_VERSION,
    identity,
    machineId,
    agentVersion: AGENT_VERSION,
    facts: hostFacts(),
    components: [...manifests, ...installer.manifests()],
    activeJobs: manager.activeJobIds().slice(0, 100_000),
    startedAt,
  });
  const heartbeat = (): Heartbeat => {
    const s = manager.stats();
    return {
      at: Date.now(),
      hostUptimeS: os.uptime(),
      agentUptimeS: (Date.now() - startedAt) / 1000,
      running: s.running,
      queued: s.queued,
    };
  };

  connection = connect({
    serverUrl: options.serverUrl,
    ...(options.discoverServerUrl ? { discoverServerUrl: options.discoverServerUrl } : {}),
    identity,
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.credential !== undefined ? { credential: options.credential } : {}),
    ...(options.pin ? { pin: options.pin } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    log: log.child('link'),
    hello,
    heartbeat,
    onWelcome: (welcome) => {
      if (typeof welcome.outputCapBytes === 'number' && welcome.outputCapBytes > 0) serverCapBytes = welcome.outputCapBytes;
    },
    onReady: (send) => outbox.attach(send),
    onDown: () => outbox.detach(),
    onDispatch: (jobs) => manager.dispatch(jobs),
    onCancel: (ids) => manager.cancel(ids),
    onInstall: (install) => installer.install(install),
    onCacheQuery: (query) => answerCacheQuery(query, (sha) => cache.jobState(sha)),
  });
  const live = connection;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await manager.close();
      if (live.ready() && outbox.size > 0) await outbox.whenDrained(CLOSE_DRAIN_MS);
      live.close();
      await executor.close();
      outbox.close();
      cache.close();
      unlock();
      log.info('agent stopped', { pendingResults: outbox.size, batchesSent: outbox.stats.batchesSent });
    })();
    return closing;
  };

  return {
    identity,
    close,
    whenConnected: () => live.whenReady(),
    stats: () => {
      const s = manager.stats();
      const o = outbox.stats;
      return {
        connected: live.ready(),
        connects: live.connects(),
        running: s.running,
        queued: s.queued,
        completed: s.completed,
        outboxPending: o.pending,
        batchesSent: o.batchesSent,
        executor: executor.kind,
        jobShell: executor.jobShell,
      };
    },
  };
}
