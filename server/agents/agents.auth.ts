/**
 * The `/agent` handshake (issue #5 identities). An agent presents one of:
 * - `{identity, credential}`: its own secret from enrolment (checked against the stored hash,
 *   refused with `revoked` once an operator revoked it);
 * - `{identity, enrol: TOKEN}`: an enrolment token; such a connection may only send `agent:enrol`;
 * - `{identity, key}`: the data dir's agent.key, for the local agents of `serve` and the desktop
 *   app, accepted only over loopback and never for a revoked identity.
 * A console/CLI token is none of these and opens nothing here.
 */
import { AgentAuthSchema, type AgentAuthKind } from '../../protocol/enrolment.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { EnrolmentService } from '../enrolment/enrolment.service.js';
import { secretMatches } from '../util/secrets.js';

const authValidator = compileValidator(AgentAuthSchema);

export type AgentAuthenticated = Readonly<{
  identity: string;
  kind: AgentAuthKind;
  /** Credential connections: the machine id the credential was enrolled for. */
  machineId?: string;
  /** Enrolment connections: the token, used up by `agent:enrol`. */
  token?: string;
}>;

/** Whether a peer address is this machine (IPv4, IPv6 or IPv4-mapped loopback). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

export type AgentAuthDeps = Readonly<{ agentKey: string; enrolment: EnrolmentService }>;

export function authenticateAgent(deps: AgentAuthDeps, auth: unknown, address: string | undefined): Result<AgentAuthenticated> {
  if (!authValidator.check(auth)) {
    return fail(
      'unauthorized',
      'invalid agent handshake: expected {identity, credential}, {identity, enrol: TOKEN} or (local agents) {identity, key}; the identity uses letters, digits and _ . : @ -',
    );
  }
  const identity = auth.identity;
  if ('credential' in auth) {
    const verified = deps.enrolment.verifyCredential(identity, auth.credential);
    return verified.ok ? ok({ identity, kind: 'credential', machineId: verified.value.machineId }) : verified;
  }
  if ('enrol' in auth) {
    const usable = deps.enrolment.checkToken(auth.enrol);
    return usable.ok ? ok({ identity, kind: 'enrolment', token: auth.enrol }) : usable;
  }
  if (!secretMatches(auth.key, deps.agentKey)) {
    return fail('unauthorized', 'wrong agent key (agent.key in the server data dir); agents on other hosts enrol with a token instead');
  }
  if (!isLoopbackAddress(address)) {
    return fail(
      'unauthorized',
      `the local agent key is accepted only from this machine (connection from ${address ?? 'unknown'}); enrol remote agents with a token: directord agent --server URL --token TOKEN`,
    );
  }
  const revoked = deps.enrolment.revocation(identity);
  return revoked ? fail('revoked', revoked) : ok({ identity, kind: 'local' });
}
