/**
 * Agent presence: who is connected (one live socket per identity), their facts and heartbeats,
 * expiry, and REBOOT fencing (spec 1.8: a rebooting node is away, not lost, until its deadline).
 * Sends to agents are `transport.ts`; `agents.service.ts` puts the two together.
 */
import type { Socket } from 'socket.io';
import type { AgentHello, AgentInfo, Heartbeat } from '../../protocol/agents.js';
import type { AgentSocketData, AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { isCompatibleProtocol, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { AgentRow, AgentsStore } from '../store/types.js';

export type AgentSocket = Socket<AgentToServerEvents, ServerToAgentEvents, Record<string, never>, AgentSocketData>;

export type PresenceDeps = Readonly<{
  repo: AgentsStore;
  /** The stored agents at start (`markAllOffline()` already done). */
  known: readonly AgentRow[];
  clock: () => number;
  heartbeatIntervalMs: number;
  log: Logger;
  /** Called after any change an observer should see (broadcast `agent:updated`). */
  onChange: (agent: AgentInfo) => void;
  /** Whether an operator revoked this identity (shown in AgentInfo). */
  isRevoked?: (identity: string) => boolean;
}>;

export type Presence = ReturnType<typeof createPresence>;

/** How long past its delay a rebooting agent may stay away before its work counts as lost. */
export const REBOOT_GRACE_MS = 10 * 60_000;

export function createPresence(deps: PresenceDeps) {
  const { repo, clock, log } = deps;
  const expiryMs = deps.heartbeatIntervalMs * 3;
  // After a (re)start every known agent gets one expiry period to come back before the work the
  // server believes it holds is marked lost.
  const startedAt = clock();
  const rows = new Map<string, AgentRow>(deps.known.map((r) => [r.identity, { ...r, online: false, expiresAt: startedAt + expiryMs }]));
  const sockets = new Map<string, AgentSocket>();
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
  /** Presence writes are a durable copy only: a failed one is logged, and the next one repairs it. */
  const persist = (write: Promise<unknown>, what: string) =>
    void write.catch((error: unknown) => log.error('agent presence not stored', { what, error: String(error) }));

  function setOffline(identity: string, why: string): void {
    const row = rows.get(identity);
    if (!row || !row.online) return;
    row.online = false;
    row.lastSeen = clock();
    persist(repo.setOnline(identity, false, row.lastSeen), 'offline');
    log.info('agent offline', { identity, why });
    changed(row);
  }

  return {
    onlineIdentities: (): string[] => [...sockets.keys()].sort(),
    isOnline: (identity: string): boolean => sockets.has(identity),
    isKnown: (identity: string): boolean => rows.has(identity),
    knownIdentities: (): string[] => [...rows.keys()].sort(),
    isRebooting: (identity: string): boolean => rebooting.has(identity),
    socketOf: (identity: string): AgentSocket | undefined => sockets.get(identity),
    list: (): AgentInfo[] => [...rows.values()].sort((a, b) => a.identity.localeCompare(b.identity)).map(info),
    get: (identity: string): AgentInfo | undefined => {
      const r = rows.get(identity);
      return r ? info(r) : undefined;
    },
    /** Handles a validated hello; on success the socket is this identity's live connection. */
    async hello(socket: AgentSocket, hello: AgentHello): Promise<Result<null>> {
      const identity = socket.data.identity;
      if (hello.identity !== identity) {
        return fail('forbidden', `hello names identity ${hello.identity} but the connection authenticated as ${identity}`);
      }
      if (!isCompatibleProtocol(hello.protocolVersion)) {
        return fail(
          'protocol-mismatch',
          `agent speaks protocol ${hello.protocolVersion}, server speaks ${PROTOCOL_VERSION}; upgrade the older side`,
        );
      }
      const live = sockets.get(identity);
      const existing = rows.get(identity);
      if (live && live !== socket && live.connected) {
        if (existing && existing.machineId !== hello.machineId) {
          log.error('duplicate identity refused', { identity, machineId: hello.machineId, liveMachineId: existing.machineId });
          return fail(
            'duplicate-identity',
            `identity ${identity} is already connected from machine ${existing.machineId}; give this agent another --identity`,
          );
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
      await repo.upsert(row);
      rows.set(identity, row);
      sockets.set(identity, socket);
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
      persist(repo.heartbeat(row), 'heartbeat');
      changed(row);
    },
    /** The socket closed; only the identity's current connection turns it offline. */
    disconnected(socket: AgentSocket, reason: string): void {
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
      persist(repo.heartbeat(row), 'reboot');
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
    async purge(): Promise<number> {
      const offline = [...rows.values()].filter((r) => !sockets.has(r.identity)).map((r) => r.identity);
      const n = await repo.remove(offline);
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
    onlineCount: () => sockets.size,
  };
}
