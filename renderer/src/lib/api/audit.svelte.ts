/** The audit log for the console's Audit page (issue #18): filtered lists, the chain check, who is signed in. */
import type { AuditEntry, AuditQuery, AuditVerified, Principal } from '#protocol/teams.js';
import { client } from './client.svelte.js';

export class AuditStore {
  rows = $state<AuditEntry[]>([]);
  error = $state('');
  loading = $state(false);
  verified = $state<AuditVerified | null>(null);

  async load(query: AuditQuery): Promise<void> {
    this.loading = true;
    const r = await client.request('audit:list', query);
    this.loading = false;
    if (r.ok) {
      this.rows = r.value;
      this.error = '';
    } else this.error = r.error.message;
  }

  async verify(): Promise<void> {
    const r = await client.request('audit:verify', {});
    if (r.ok) this.verified = r.value;
    else this.error = r.error.message;
  }
}

export const audit = new AuditStore();

/** Who this console is signed in as (the local admin for ui.token and the desktop app). */
export class Whoami {
  principal = $state<Principal | null>(null);
  constructor() {
    client.onConnect(() => {
      void client.request('auth:whoami', {}).then((r) => {
        this.principal = r.ok ? r.value : null;
      });
    });
  }
}

export const whoami = new Whoami();
