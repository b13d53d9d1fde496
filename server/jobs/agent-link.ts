/** What the jobs service needs from the agent registry (kept narrow so each side tests alone). */
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { CacheStates } from '../../protocol/plan.js';
import type { Result } from '../../protocol/result.js';

export type AgentLink = Readonly<{
  /** Identities with a live connection, sorted (the default target list). */
  onlineIdentities(): readonly string[];
  isOnline(identity: string): boolean;
  /** Seen at least once (and not purged). */
  isKnown(identity: string): boolean;
  /** Every identity seen (and not purged): names offered for an unknown target. */
  knownIdentities?(): readonly string[];
  /** Away after a REBOOT (spec 1.8): jobs for it are accepted and wait until it is back. */
  isRebooting?(identity: string): boolean;
  /** Sends jobs; resolves true once the agent acknowledged them. */
  dispatch(identity: string, jobs: DispatchedJob[]): Promise<boolean>;
  cancel(identity: string, jobIds: string[]): void;
  /** Read-only cache query of a plan (issue #17). */
  cacheQuery?(identity: string, shas: string[]): Promise<Result<CacheStates>>;
}>;
