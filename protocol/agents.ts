/** Agent identity, facts and the hello handshake. */
import { Type, type Static } from '@sinclair/typebox';
import { IdentitySchema } from './jobs.js';

export const AgentFactsSchema = Type.Object({
  hostname: Type.String({ maxLength: 253 }),
  os: Type.String({ maxLength: 256 }),
  platform: Type.String({ maxLength: 64 }),
  release: Type.String({ maxLength: 256 }),
  arch: Type.String({ maxLength: 64 }),
  cores: Type.Integer({ minimum: 0 }),
  memoryBytes: Type.Number({ minimum: 0 }),
  nodeVersion: Type.String({ maxLength: 64 }),
  hostUptimeS: Type.Number({ minimum: 0 }),
});
export type AgentFacts = Static<typeof AgentFactsSchema>;

/** A component as an agent announces it: JSON only, so the UI can render forms without code. */
export const ComponentManifestSchema = Type.Object({
  verb: Type.String({ minLength: 1, maxLength: 64 }),
  summary: Type.String({ maxLength: 4096 }),
  description: Type.Optional(Type.String({ maxLength: 65536 })),
  /** JSON Schema of the component's own arguments (common options excluded). */
  args: Type.Record(Type.String(), Type.Unknown()),
  cacheable: Type.Boolean(),
  requiresLock: Type.Boolean(),
  lockName: Type.Optional(Type.String({ maxLength: 64 })),
  builtin: Type.Boolean(),
  /** Content hash of a user component's module; absent for built-ins. */
  hash: Type.Optional(Type.String({ maxLength: 128 })),
  version: Type.Optional(Type.String({ maxLength: 64 })),
});
export type ComponentManifest = Static<typeof ComponentManifestSchema>;

export const AgentHelloSchema = Type.Object({
  protocolVersion: Type.String({ maxLength: 32 }),
  identity: IdentitySchema,
  machineId: Type.String({ maxLength: 256 }),
  agentVersion: Type.String({ maxLength: 64 }),
  facts: AgentFactsSchema,
  components: Type.Array(ComponentManifestSchema, { maxItems: 1000 }),
  /** Job ids the agent still has queued or running (for reconciliation after a server restart). */
  activeJobs: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 100000 }),
  startedAt: Type.Number(),
});
export type AgentHello = Static<typeof AgentHelloSchema>;

export type AgentWelcome = Readonly<{
  serverVersion: string;
  heartbeatIntervalMs: number;
  /** Jobs the server believes are still with this agent and the agent did not mention: re-sent. */
  redispatched: number;
  /** The server stores at most this much output per (job, stream); agents need not send more (optional since 1.1). */
  outputCapBytes?: number;
}>;

export const HeartbeatSchema = Type.Object({
  at: Type.Number(),
  hostUptimeS: Type.Number({ minimum: 0 }),
  agentUptimeS: Type.Number({ minimum: 0 }),
  running: Type.Integer({ minimum: 0 }),
  queued: Type.Integer({ minimum: 0 }),
});
export type Heartbeat = Static<typeof HeartbeatSchema>;

/** The server's view of an agent, as the UI and CLI see it. */
export type AgentInfo = Readonly<{
  identity: string;
  online: boolean;
  machineId: string;
  agentVersion: string;
  facts: AgentFacts;
  firstSeen: number;
  lastSeen: number;
  lastHeartbeat: number;
  /** Epoch ms after which the agent counts as expired (no heartbeat). */
  expiresAt: number;
  agentStartedAt: number;
  running: number;
  queued: number;
  components: readonly string[];
  /** An operator revoked it (since 1.2): it cannot connect until enrolled again. */
  revoked?: boolean;
  /** A REBOOT succeeded on it and it has not come back yet (spec 1.8: inactive, not lost). */
  rebooting?: boolean;
}>;
