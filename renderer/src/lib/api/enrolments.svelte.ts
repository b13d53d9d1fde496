/**
 * Enrolment tokens from the console's Hosts page ("Enrol agent"): create one (its secret is shown
 * once), list them without secrets, revoke one. Also the per-host revocation (`agents:revoke`).
 */
import type { AgentRevoked, EnrolmentCreate, EnrolmentCreated, EnrolmentInfo } from '#protocol/enrolment.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export class EnrolmentsStore {
  list = $state<EnrolmentInfo[]>([]);
  error = $state('');

  async refresh(): Promise<void> {
    const r = await client.request('enrolments:list');
    if (r.ok) {
      this.list = r.value;
      this.error = '';
    } else this.error = r.error.message;
  }

  async create(request: EnrolmentCreate): Promise<Result<EnrolmentCreated>> {
    const r = await client.request('enrolments:create', request);
    if (r.ok) await this.refresh();
    return r;
  }

  async revoke(id: string): Promise<Result<EnrolmentInfo>> {
    const r = await client.request('enrolments:revoke', id);
    if (r.ok) await this.refresh();
    return r;
  }

  /** Disconnects the agent at once and refuses its credential from now on. */
  revokeAgent(identity: string): Promise<Result<AgentRevoked>> {
    return client.request('agents:revoke', { identity, reason: 'revoked from the console' });
  }
}

/** The command an operator runs on the new host (the fingerprint only when the server speaks TLS). */
export function agentCommand(serverUrl: string, token: string, fingerprint?: string): string {
  return `node directord-agent.cjs --server ${serverUrl} --token ${token}${fingerprint ? ` --fingerprint ${fingerprint}` : ''}`;
}

export const enrolments = new EnrolmentsStore();
