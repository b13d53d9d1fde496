/**
 * The agent registry: who is connected, their facts and heartbeats, fencing (spec 1.8), expiry,
 * and the sends the jobs service needs (it sees this through {@link AgentLink} only).
 */
import type { Socket } from 'socket.io';
import type { AgentHello, AgentInfo, Heartbeat } from '../../protocol/agents.js';
import type { AgentSocketData, AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { isCompatibleProtocol, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { AgentLink } from '../jobs/agent-link.js';
import type { AgentRow, AgentsRepo } from './agents.repo.js';

export type AgentSocket = Socket<AgentToServerEvents, ServerToAgentEvents, Record<string, never>, AgentSocketData>;

export type AgentRegistryDeps = Readonly<{
  repo: AgentsRepo;
  clock: () => number;
  heartbeatIntervalMs: number;
  log: Logger;
  /** Called after any change an observer should see (broadcast `agent:updated`). */
  onChange: (agent: AgentInfo) => void;
  /** How long to wait for an agent to acknowledge a dispatch. */
  dispatchAckTimeoutMs?: number;
  /** The current user component of a verb (shipped to an agent before its first job that needs it). */
  userComponent?: (verb: string) => Readonly<{ verb: string; hash: string; source: string }> | undefined;
  /** Whether an operator revoked this identity (shown in AgentInfo). */
  isRevoked?: (identity: string) => boolean;
}>;

export type AgentRegistry = ReturnType<typeof createAgentRegistry>;

/** How long past its delay a rebooting agent may stay away before its work counts as lost. */
export const REBOOT_GRACE_MS = 10 * 60_000;

export function createAgentRegistry(deps: AgentRegistryDeps) {
  const { repo, clock, log } = deps;
  const expiryMs = deps.heartbeatIntervalMs * 3;
  const ackTimeoutMs = deps.dispatchAckTimeoutMs ?? 30_000;
  repo.markAllOffline();
  // After a (re)start every known agent gets one expiry period to come back before the work the
  // server believes it holds is marked lost.
  const startedAt = clock();
  const rows = new Map<string, AgentRow>(repo.all().map((r) => [r.identity, { ...r, online: false, expiresAt: startedAt + expiryMs }]));
  const sockets = new Map<string, AgentSocket>();
  /** Dispatches awaiting the agent's ack, per connection; abandoned when it closes. */
  const pending = new Map<AgentSocket, Set<() => void>>();
  const abandonPending = (socket: AgentSocket) => {
    const set = pending.get(socket);
    pending.delete(socket);
    for (const abandon of set ?? []) abandon();
  };
  /** Per agent: the user components (verb → hash) it has, from its hello and our installs. */
  const installed = new Map<string, Map<string, string>>();
  /** Per connection: installs in flight; later dispatches wait for them so jobs keep their order. */
  const installing = new Map<AgentSocket, Promise<void>>();

  function installsFor(identity: string, jobs: readonly DispatchedJob[]): { verb: string; hash: string; source: string }[] {
    if (!deps.userComponent) return [];
    const have = installed.get(identity);
    const out = new Map<string, { verb: string; hash: string; source: string }>();
    for (const job of jobs) {
      if (out.has(job.verb)) continue;
      const user = deps.userComponent(job.verb);
      if (user && have?.get(user.verb) !== user.hash) out.set(job.verb, user);
    }
    return [...out.values()];
  }

  async function install(socket: AgentSocket, identity: string, needed: readonly { verb: string; hash: string; source: string }[]): Promise<void> {
    for (const c of needed) {
      try {
        const result = await socket.timeout(ackTimeoutMs).emitWithAck('component:install', { verb: c.verb, hash: c.hash, source: c.source });
        if (!result.ok) {
          log.warn('agent refused a user component', { identity, verb: c.verb, hash: c.hash, code: result.error.code, message: result.error.message });
          continue;
        }
        let have = installed.get(identity);
        if (!have) installed.set(identity, (have = new Map()));
        have.set(c.verb, c.hash);
        log.info('user component installed on agent', { identity, verb: c.verb, hash: c.hash });
      } catch (error) {
        log.warn('user component install not acknowledged', { identity, verb: c.verb, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** Agents whose expiry was already handled (their open work marked lost); cleared by a heartbeat. */
  const expiredHandled = new Set<string>();
  /**
   * Agents a REBOOT succeeded on (spec 1.8: inactive until they come back), with the agent start
   * time they had then: a hello from a newly started agent ends it. Until the deadline (kept as
   * `expiresAt`) losing the connection is expected, not a failure, so their work is not marked lost.
   */
  const rebooting = new Map<string, { startedAt: number; deadline: number }>();

  const info = (r: AgentRow): AgentInfo => ({
    identity: r.identity,
    online: r.online,
    machineId: r.machineId,
    agentVersion: r.agentVersion,
    facts: r.facts,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    lastHeartbeat: r.lastHeartbeat,
    expiresAt: r.expiresAt,
    agentStartedAt: r.startedAt,
    running: r.running,
    queued: r.queued,
    components: r.components.map((c) => c.verb),
    ...(deps.isRevoked?.(r.identity) ? { revoked: true } : {}),
    ...(rebooting.has(r.identity) ? { rebooting: true } : {}),
  });
  const changed = (r: AgentRow) => deps.onChange(info(r));

  function setOffline(identity: string, why: string): void {
    const row = rows.get(identity);
    if (!row || !row.online) return;
    row.online = false;
    row.lastSeen = clock();
    repo.setOnline(identity, false, row.lastSeen);
    log.info('agent offline', { identity, why });
    changed(row);
  }

  const link: AgentLink = {
    onlineIdentities: () => [...sockets.keys()].sort(),
    isOnline: (identity) => sockets.has(identity),
    isKnown: (identity) => rows.has(identity),
    knownIdentities: () => [...rows.keys()].sort(),
    isRebooting: (identity) => rebooting.has(identity),
    dispatch(identity, jobs: DispatchedJob[]) {
      const socket = sockets.get(identity);
      if (!socket) return Promise.resolve(false);
      const prior = installing.get(socket);
      if (!prior && installsFor(identity, jobs).length === 0) return emitDispatch(socket, identity, jobs);
      const ready = (prior ?? Promise.resolve()).then(() => install(socket, identity, installsFor(identity, jobs)));
      installing.set(socket, ready);
      void ready.then(() => {
        if (installing.get(socket) === ready) installing.delete(socket);
      });
      return ready.then(() => (socket.connected ? emitDispatch(socket, identity, jobs) : false));
    },
    cancel(identity, jobIds) {
      const socket = sockets.get(identity);
      if (socket && jobIds.length) socket.emit('job:cancel', jobIds);
    },
  };

  function emitDispatch(socket: AgentSocket, identity: string, jobs: DispatchedJob[]): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let set = pending.get(socket);
      if (!set) pending.set(socket, (set = new Set()));
      const settle = (acked: boolean, why?: string) => {
        clearTimeout(timer);
        set.delete(abandon);
        if (!acked) log.warn('dispatch not acknowledged', { identity, jobs: jobs.length, why });
        resolve(acked);
      };
      const abandon = () => settle(false, 'connection closed');
      // Our own timer (unref'd, cleared on disconnect) instead of socket.timeout(), whose
      // timer would outlive the connection.
      const timer = setTimeout(() => settle(false, 'timeout'), ackTimeoutMs);
      timer.unref();
      set.add(abandon);
      socket.emit('job:dispatch', jobs, (result: Result<{ accepted: number }>) => {
        if (!set.has(abandon)) return;
        settle(result?.ok === true, result && !result.ok ? result.error?.message : undefined);
      });
    });
  }

  return {
    link,
    list: (): AgentInfo[] => [...rows.values()].sort((a, b) => a.identity.localeCompare(b.identity)).map(info),
    get: (identity: string): AgentInfo | undefined => {
      const r = rows.get(identity);
      return r ? info(r) : undefined;
    },
    /** Handles a validated hello; on success the socket is this identity's live connection. */
    hello(socket: AgentSocket, hello: AgentHello): Result<null> {
      const identity = socket.data.identity;
      if (hello.identity !== identity) {
        return fail('forbidden', `hello names identity ${hello.identity} but the connection authenticated as ${identity}`);
      }
      if (!isCompatibleProtocol(hello.protocolVersion)) {
        return fail('protocol-mismatch', `agent speaks protocol ${hello.protocolVersion}, server speaks ${PROTOCOL_VERSION}; upgrade the older side`);
      }
      const live = sockets.get(identity);
      const existing = rows.get(identity);
      if (live && live !== socket && live.connected) {
        if (existing && existing.machineId !== hello.machineId) {
          log.error('duplicate identity refused', { identity, machineId: hello.machineId, liveMachineId: existing.machineId });
          return fail('duplicate-identity', `identity ${identity} is already connected from machine ${existing.machineId}; give this agent another --identity`);
        }
        log.info('agent reconnected; dropping its previous connection', { identity });
        sockets.delete(identity);
        live.disconnect(true);
      }
      if (existing && existing.machineId !== hello.machineId) {
        log.warn('agent machine id changed', { identity, was: existing.machineId, now: hello.machineId });
      }
      const now = clock();
      const reboot = rebooting.get(identity);
      if (reboot && hello.startedAt !== reboot.startedAt) {
        rebooting.delete(identity);
        log.info('agent back after reboot', { identity });
      }
      const row: AgentRow = {
        identity,
        machineId: hello.machineId,
        agentVersion: hello.agentVersion,
        facts: hello.facts,
        components: hello.components,
        firstSeen: existing?.firstSeen ?? now,
        lastSeen: now,
        lastHeartbeat: now,
        expiresAt: Math.max(now + expiryMs, rebooting.get(identity)?.deadline ?? 0),
        online: true,
        startedAt: hello.startedAt,
        running: existing?.running ?? 0,
        queued: existing?.queued ?? 0,
      };
      repo.upsert(row);
      rows.set(identity, row);
      sockets.set(identity, socket);
      installed.set(identity, new Map(hello.components.filter((c) => !c.builtin && c.hash).map((c) => [c.verb, c.hash!] as const)));
      expiredHandled.delete(identity);
      socket.data.helloDone = true;
      log.info('agent online', { identity, machineId: hello.machineId, version: hello.agentVersion });
      changed(row);
      return ok(null);
    },
    heartbeat(identity: string, beat: Heartbeat): void {
      const row = rows.get(identity);
      if (!row) return;
      const now = clock();
      row.lastSeen = now;
      row.lastHeartbeat = now;
      row.expiresAt = Math.max(now + expiryMs, rebooting.get(identity)?.deadline ?? 0);
      row.running = beat.running;
      row.queued = beat.queued;
      expiredHandled.delete(identity);
      repo.heartbeat(row);
      changed(row);
    },
    /** The socket closed; only the identity's current connection turns it offline. */
    disconnected(socket: AgentSocket, reason: string): void {
      abandonPending(socket);
      const identity = socket.data.identity;
      if (!identity || sockets.get(identity) !== socket) return;
      sockets.delete(identity);
      setOffline(identity, rebooting.has(identity) ? `rebooting (${reason})` : reason);
    },
    /**
     * A REBOOT job succeeded on `identity`: it goes away within `delaySeconds`. Until it says
     * hello again from a new agent process (or the deadline passes) it is shown as rebooting and
     * its heartbeat does not expire.
     */
    rebootStarted(identity: string, delaySeconds: number): void {
      const row = rows.get(identity);
      if (!row) return;
      const deadline = clock() + Math.max(0, delaySeconds) * 1000 + Math.max(REBOOT_GRACE_MS, expiryMs);
      rebooting.set(identity, { startedAt: row.startedAt, deadline });
      row.expiresAt = Math.max(row.expiresAt, deadline);
      repo.heartbeat(row);
      log.info('agent rebooting', { identity, until: new Date(deadline).toISOString() });
      changed(row);
    },
    /**
     * Agents whose heartbeat expired since the last sweep: they are set offline (a hung connection
     * is dropped) and returned so their dispatched work can be marked lost.
     */
    sweep(): string[] {
      const now = clock();
      const expired: string[] = [];
      for (const row of rows.values()) {
        if (now <= row.expiresAt || expiredHandled.has(row.identity)) continue;
        if (rebooting.delete(row.identity)) log.warn('agent did not come back from its reboot in time', { identity: row.identity });
        expiredHandled.add(row.identity);
        expired.push(row.identity);
        const socket = sockets.get(row.identity);
        if (socket) {
          sockets.delete(row.identity);
          socket.disconnect(true);
        }
        setOffline(row.identity, 'heartbeat expired');
      }
      return expired;
    },
    /** Forgets offline agents (spec `--purge-nodes`); connected agents stay registered. */
    purge(): number {
      const offline = [...rows.values()].filter((r) => !sockets.has(r.identity)).map((r) => r.identity);
      const n = repo.remove(offline);
      for (const id of offline) {
        rows.delete(id);
        expiredHandled.delete(id);
        rebooting.delete(id);
      }
      return n;
    },
    /**
     * An operator revoked `identity` (the caller already refuses its credential): tell it, drop
     * its connection now, and publish the change. Returns whether it was connected.
     */
    revoke(identity: string, reason: string): boolean {
      const socket = sockets.get(identity);
      if (socket) {
        socket.emit('agent:revoked', { reason });
        sockets.delete(identity);
        abandonPending(socket);
        socket.disconnect(true);
        setOffline(identity, 'revoked');
      } else {
        const row = rows.get(identity);
        if (row) changed(row);
      }
      return socket !== undefined;
    },
    goodbyeAll(reason: string): void {
      for (const socket of sockets.values()) socket.emit('agent:goodbye', reason);
    },
    /** Abandons every pending dispatch (shutdown). */
    dispose(): void {
      for (const socket of [...pending.keys()]) abandonPending(socket);
    },
    onlineCount: () => sockets.size,
  };
}
