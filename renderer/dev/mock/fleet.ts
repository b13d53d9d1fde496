/** Fake agents for the mock server. */
import type { AgentInfo } from '../../../protocol/agents.js';

const OSES = [
  ['Debian GNU/Linux 12 (bookworm)', '6.1.0-21-amd64', 'x64'],
  ['Rocky Linux 9.3 (Blue Onyx)', '5.14.0-362.el9', 'x64'],
  ['Ubuntu 22.04.4 LTS', '5.15.0-105-generic', 'arm64'],
] as const;
const ROLES = ['web', 'api', 'db', 'cache', 'worker'];

/** `offlineEvery`: every n-th agent is offline (0: none). */
export function makeFleet(count: number, verbs: readonly string[], now: number, offlineEvery = 7): AgentInfo[] {
  return Array.from({ length: count }, (_, i) => {
    const role = ROLES[i % ROLES.length] as string;
    const identity = `${role}-${String(Math.floor(i / ROLES.length) + 1).padStart(2, '0')}`;
    const [os, release, arch] = OSES[i % OSES.length] as readonly [string, string, string];
    const online = offlineEvery <= 0 || i % offlineEvery !== offlineEvery - 1;
    return {
      identity,
      online,
      machineId: `m-${i.toString(16).padStart(8, '0')}`,
      agentVersion: i % 5 === 4 ? '0.1.0' : '0.1.1',
      facts: {
        hostname: `${identity}.example.internal`,
        os,
        platform: 'linux',
        release,
        arch,
        cores: [2, 4, 8, 16][i % 4] as number,
        memoryBytes: [4, 8, 16, 32][i % 4]! * 1024 ** 3,
        nodeVersion: 'v20.20.2',
        hostUptimeS: 86_400 * (i + 1),
      },
      firstSeen: now - 86_400_000 * (i + 2),
      lastSeen: now,
      lastHeartbeat: online ? now - (i % 5) * 1000 : now - 3_600_000,
      expiresAt: now + 30_000,
      agentStartedAt: now - 3_600_000,
      running: 0,
      queued: 0,
      components: [...verbs],
    };
  });
}
