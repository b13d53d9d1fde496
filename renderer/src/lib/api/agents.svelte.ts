/** Connected and known agents, kept live by `agent:updated`; plus the component manifests they offer. */
import type { AgentInfo, ComponentManifest } from '#protocol/agents.js';
import type { ServerInfo } from '#protocol/records.js';
import { ClockOffset } from '../util/clock-offset.js';
import { client } from './client.svelte.js';

/** How often the console re-reads the server's clock (a laptop's clock drifts, or is reset). */
const CLOCK_SYNC_MS = 60_000;

export class AgentsStore {
  list = $state<AgentInfo[]>([]);
  loaded = $state(false);
  error = $state('');
  server = $state<ServerInfo | null>(null);
  /** The server's clock as this browser sees it: every relative time compares server timestamps with it. */
  readonly clock = new ClockOffset();
  /** Now on the server's clock, bumped once a second so "last heartbeat 3 s ago" labels move. */
  now = $state(Date.now());

  constructor() {
    client.on('agent:updated', (agent) => this.apply(agent));
    client.onConnect(() => void this.refresh());
    if (typeof window !== 'undefined') {
      setInterval(() => (this.now = this.clock.now()), 1000);
      setInterval(() => void this.syncClock(), CLOCK_SYNC_MS);
    }
  }

  async syncClock(): Promise<void> {
    const sentAt = Date.now();
    const r = await client.request('server:time');
    if (!r.ok) return;
    this.clock.sample(sentAt, r.value.now, Date.now());
    this.now = this.clock.now();
  }

  async refresh(): Promise<void> {
    void this.syncClock();
    const [agents, info] = await Promise.all([client.request('agents:list'), client.request('server:info')]);
    if (agents.ok) this.list = sortAgents(agents.value);
    else this.error = agents.error.message;
    if (info.ok) this.server = info.value;
    this.loaded = true;
  }

  apply(agent: AgentInfo): void {
    const i = this.list.findIndex((a) => a.identity === agent.identity);
    if (i >= 0) this.list[i] = agent;
    else this.list = sortAgents([...this.list, agent]);
  }

  online = $derived(this.list.filter((a) => a.online));

  /**
   * Every component the server or a connected agent announced, by verb. Verbs an agent lists
   * without a manifest get a bare one (edited as raw text only).
   */
  components = $derived.by((): ComponentManifest[] => {
    const byVerb = new Map<string, ComponentManifest>();
    for (const m of this.server?.components ?? []) byVerb.set(m.verb, m);
    for (const agent of this.list) {
      for (const verb of agent.components) {
        if (!byVerb.has(verb)) byVerb.set(verb, { verb, summary: '', args: {}, cacheable: true, requiresLock: false, builtin: false });
      }
    }
    return [...byVerb.values()].sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.verb.localeCompare(b.verb));
  });

  manifest(verb: string): ComponentManifest | undefined {
    return this.components.find((m) => m.verb === verb);
  }
}

function sortAgents(list: AgentInfo[]): AgentInfo[] {
  return list.slice().sort((a, b) => a.identity.localeCompare(b.identity, undefined, { numeric: true }));
}

export const agents = new AgentsStore();
