/** What the job layer needs from the rest of the agent. */
import type { Component } from '../../components/define.js';
import type { DispatchedJob, TargetState } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { AgentCache } from '../cache/agent-cache.js';
import type { Executor } from '../exec/types.js';
import type { Outbox } from '../outbox/outbox.js';
import type { AbortReason, JobAbort } from './abort.js';
import type { NamedLocks } from './locks.js';

export type JobDeps = Readonly<{
  identity: string;
  cache: AgentCache;
  outbox: Outbox;
  executor: Executor;
  components: ReadonlyMap<string, Component>;
  locks: NamedLocks;
  outputCapBytes: number;
  log: Logger;
  /** Requests to the server (blobs of ADD/COPY, job states for JOB_WAIT); absent in some tests. */
  server?: AgentServerLink;
  /** Jinja rendering (components/template.ts); throws TemplateError. */
  render(template: string, variables: Readonly<Record<string, unknown>>): string;
}>;

export type AgentServerLink = Readonly<{
  /** The whole blob `sha` of job `jobId`; rejects with the server's reason (e.g. forbidden). */
  blob(sha: string, jobId: string, signal: AbortSignal): Promise<Uint8Array>;
  jobStates(sha: string, identities: readonly string[], signal: AbortSignal): Promise<Readonly<Record<string, TargetState | null>>>;
}>;

export type { AbortReason };

/** A job the agent holds, queued or running. */
export type HeldJob = {
  readonly job: DispatchedJob;
  readonly abort: JobAbort;
  state: 'queued' | 'running' | 'done';
};
