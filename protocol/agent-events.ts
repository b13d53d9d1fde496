/** Socket.IO event maps of the `/agent` namespace (agent ⇄ server). */
import type { Ack } from './result.js';
import type { AgentHello, AgentWelcome, Heartbeat } from './agents.js';
import type { DispatchedJob, JobEventBatch } from './jobs.js';

export const AGENT_NAMESPACE = '/agent';

/** Handshake `auth` payload of an agent connection. */
export type AgentAuth = Readonly<{ identity: string; key: string }>;

export interface ServerToAgentEvents {
  /** Jobs for this agent, in the order they must be queued. */
  'job:dispatch': (jobs: DispatchedJob[], ack: Ack<{ accepted: number }>) => void;
  /** Stop these jobs: queued ones are dropped, running ones killed; each reports `cancelled`. */
  'job:cancel': (jobIds: string[]) => void;
  /** The server is shutting down or the agent was revoked; `reason` says which. */
  'agent:goodbye': (reason: string) => void;
}

export interface AgentToServerEvents {
  'agent:hello': (hello: AgentHello, ack: Ack<AgentWelcome>) => void;
  'agent:heartbeat': (heartbeat: Heartbeat) => void;
  /** Results and output, batched; acked only once committed, so the agent may then forget them. */
  'job:events': (batch: JobEventBatch, ack: Ack<{ applied: number }>) => void;
}

export type AgentSocketData = { identity: string; helloDone: boolean };
