/**
 * The agent registry as the rest of the server sees it: presence (`presence.ts`: connections,
 * heartbeats, expiry, REBOOT fencing) and transport (`transport.ts`: dispatch with acks, cancel,
 * user-component installs) put together. The jobs service sees it through {@link AgentLink} only.
 */
import type { AgentHello } from '../../protocol/agents.js';
import type { Result } from '../../protocol/result.js';
import type { AgentLink } from '../jobs/agent-link.js';
import { createPresence, type AgentSocket, type PresenceDeps } from './presence.js';
import { createTransport, type TransportDeps } from './transport.js';

export type { AgentSocket } from './presence.js';
export { REBOOT_GRACE_MS } from './presence.js';

export type AgentRegistryDeps = PresenceDeps &
  Readonly<{
    /** How long to wait for an agent to acknowledge a dispatch. Default 30 s. */
    dispatchAckTimeoutMs?: number;
    userComponent?: TransportDeps['userComponent'];
  }>;

export type AgentRegistry = ReturnType<typeof createAgentRegistry>;

export function createAgentRegistry(deps: AgentRegistryDeps) {
  const presence = createPresence(deps);
  const transport = createTransport({
    socketOf: presence.socketOf,
    log: deps.log,
    ackTimeoutMs: deps.dispatchAckTimeoutMs ?? 30_000,
    ...(deps.userComponent ? { userComponent: deps.userComponent } : {}),
  });

  const link: AgentLink = {
    onlineIdentities: presence.onlineIdentities,
    isOnline: presence.isOnline,
    isKnown: presence.isKnown,
    knownIdentities: presence.knownIdentities,
    isRebooting: presence.isRebooting,
    dispatch: transport.dispatch,
    cancel: transport.cancel,
    cacheQuery: transport.cacheQuery,
  };

  return {
    link,
    list: presence.list,
    get: presence.get,
    /** Handles a validated hello; on success the socket is this identity's live connection. */
    async hello(socket: AgentSocket, hello: AgentHello): Promise<Result<null>> {
      const accepted = await presence.hello(socket, hello);
      if (accepted.ok) transport.hello(socket.data.identity, hello.components);
      return accepted;
    },
    heartbeat: presence.heartbeat,
    /** The socket closed: its pending dispatches are abandoned; only the current connection turns the agent offline. */
    disconnected(socket: AgentSocket, reason: string): void {
      transport.abandon(socket);
      presence.disconnected(socket, reason);
    },
    rebootStarted: presence.rebootStarted,
    sweep: presence.sweep,
    purge: presence.purge,
    /**
     * An operator revoked `identity` (the caller already refuses its credential): tell it, drop
     * its connection now, and publish the change. Returns whether it was connected.
     */
    revoke(identity: string, reason: string): boolean {
      const socket = presence.socketOf(identity);
      if (socket) transport.abandon(socket);
      return presence.revoke(identity, reason);
    },
    goodbyeAll: presence.goodbyeAll,
    /** Abandons every pending dispatch (shutdown). */
    dispose: transport.dispose,
    onlineCount: presence.onlineCount,
  };
}
