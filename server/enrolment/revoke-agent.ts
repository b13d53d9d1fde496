/**
 * `agents:revoke`: record the revocation (so the agent's credential, or the local key for that
 * identity, is refused from now on), then drop its live connection at once.
 */
import type { AgentRevoked } from '../../protocol/enrolment.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { EnrolmentService } from './enrolment.service.js';

export type RevokeAgent = (identity: string, by: string, reason: string) => Promise<Result<AgentRevoked>>;

export type Revocable = Readonly<{
  isKnown(identity: string): boolean;
  /** Tells the agent, disconnects it; true when it was connected. */
  revoke(identity: string, message: string): boolean;
}>;

export function createAgentRevoker(enrolment: EnrolmentService, agents: Revocable): RevokeAgent {
  return async (identity, by, reason) => {
    if (!agents.isKnown(identity) && !enrolment.isKnown(identity)) {
      return fail('not-found', `no agent named ${identity}; see the names with \`directord manage --list-nodes\``);
    }
    const { revokedAt } = await enrolment.revokeAgent(identity, by, reason);
    const disconnected = agents.revoke(identity, enrolment.revocation(identity) ?? `agent ${identity} was revoked`);
    return ok({ identity, revokedAt, disconnected });
  };
}
