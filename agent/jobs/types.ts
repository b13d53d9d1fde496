/** What the job layer needs from the rest of the agent. */
import type { Component } from '../../components/define.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { AgentCache } from '../cache/agent-cache.js';
import type { Executor } from '../exec/types.js';
import type { Outbox } from '../outbox/outbox.js';
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
  /** Jinja rendering (components/template.ts); throws TemplateError. */
  render(template: string, variables: Readonly<Record<string, unknown>>): string;
}>;

/** Why a job's AbortController fired. */
export type AbortReason = 'timeout' | 'cancel' | 'shutdown';

/** A job the agent holds, queued or running. */
export type HeldJob = {
  readonly job: DispatchedJob;
  readonly controller: AbortController;
  state: 'queued' | 'running' | 'done';
};
