/** Socket.IO event maps of the `/agent` namespace (agent ⇄ server). */
import type { Ack } from './result.js';
import type { AgentHello, AgentWelcome, Heartbeat } from './agents.js';
import type { BlobGet, BlobGetResult, ComponentInstall, JobStates, JobStatesRequest } from './blobs.js';
import type { DispatchedJob, JobEventBatch } from './jobs.js';
import type { CacheQuery, CacheStates } from './plan.js';
import type { AgentAuthKind, AgentAuthPayload, AgentEnrol, AgentEnrolled } from './enrolment.js';

export const AGENT_NAMESPACE = '/agent';

/** Handshake `auth` payload of an agent connection: a credential, an enrolment token or (local agents) the key (protocol/enrolment.ts). */
export type AgentAuth = AgentAuthPayload;

export interface ServerToAgentEvents {
  /** Jobs for this agent, in the order they must be queued. */
  'job:dispatch': (jobs: DispatchedJob[], ack: Ack<{ accepted: number }>) => void;
  /** Stop these jobs: queued ones are dropped, running ones killed; each reports `cancelled`. */
  'job:cancel': (jobIds: string[]) => void;
  /**
   * A user component's module (issue #4): the agent stores it by hash, imports and registers it,
   * then acks. Sent before the first job that needs it (and again when its hash changes).
   */
  'component:install': (install: ComponentInstall, ack: Ack<{ verb: string; hash: string }>) => void;
  /** Read-only: the agent's cached outcome per job SHA (a plan, issue #17); nothing changes on it. */
  'cache:query': (query: CacheQuery, ack: Ack<CacheStates>) => void;
  /** The server is shutting down or the agent was revoked; `reason` says which. */
  'agent:goodbye': (reason: string) => void;
  /** An operator revoked this agent (since 1.2): the server disconnects it next and refuses it from now on; do not reconnect. */
  'agent:revoked': (notice: { reason: string }) => void;
}

export interface AgentToServerEvents {
  'agent:hello': (hello: AgentHello, ack: Ack<AgentWelcome>) => void;
  /** Only on a connection authenticated with an enrolment token (since 1.2): uses the token, answers the agent's own credential. */
  'agent:enrol': (request: AgentEnrol, ack: Ack<AgentEnrolled>) => void;
  'agent:heartbeat': (heartbeat: Heartbeat) => void;
  /** Results and output, batched; acked only once committed, so the agent may then forget them. */
  'job:events': (batch: JobEventBatch, ack: Ack<{ applied: number }>) => void;
  /** A piece of a blob of a job dispatched to this agent; `forbidden` otherwise (ADD/COPY). */
  'blob:get': (request: BlobGet, ack: Ack<BlobGetResult>) => void;
  /** States (no output) of the latest job with a SHA on each identity (JOB_WAIT). */
  'jobs:state': (request: JobStatesRequest, ack: Ack<JobStates>) => void;
}

export type AgentSocketData = {
  identity: string;
  helloDone: boolean;
  /** How the connection authenticated (issue #5). */
  auth?: AgentAuthKind;
  /** Credential connections: the machine id the credential was enrolled for. */
  enrolledMachineId?: string;
};
