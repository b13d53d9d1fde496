/** Host filtering by name or any fact (pure). */
import type { AgentInfo } from '#protocol/agents.js';

export function hostText(agent: AgentInfo): string {
  const f = agent.facts;
  return [
    agent.identity,
    hostStatus(agent),
    agent.agentVersion,
    f.hostname,
    f.os,
    f.platform,
    f.release,
    f.arch,
    String(f.cores),
    f.nodeVersion,
    ...agent.components,
  ]
    .join(' ')
    .toLowerCase();
}

/** Every whitespace-separated word of `query` must appear in the host's name or facts. */
export function filterHosts(list: readonly AgentInfo[], query: string): AgentInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...list];
  return list.filter((a) => {
    const text = hostText(a);
    return words.every((w) => text.includes(w));
  });
}

/** What the host list shows: a node rebooting after a REBOOT job is expected to be away (spec 1.8). */
export function hostStatus(agent: Pick<AgentInfo, 'online' | 'rebooting'>): 'online' | 'offline' | 'rebooting' {
  return agent.rebooting ? 'rebooting' : agent.online ? 'online' : 'offline';
}
