import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentInfo } from '#protocol/agents.js';
import { filterHosts } from './filter.js';
import { relativeTime, bytes, fileNameFor } from '../../lib/util/format.js';

function agent(identity: string, os: string, online = true): AgentInfo {
  return {
    identity,
    online,
    machineId: 'm',
    agentVersion: '0.1.0',
    facts: {
      hostname: identity,
      os,
      platform: 'linux',
      release: '6.1',
      arch: 'x64',
      cores: 4,
      memoryBytes: 8e9,
      nodeVersion: 'v20',
      hostUptimeS: 1,
    },
    firstSeen: 0,
    lastSeen: 0,
    lastHeartbeat: 0,
    expiresAt: 0,
    agentStartedAt: 0,
    running: 0,
    queued: 0,
    components: ['RUN'],
  };
}

test('filter by name or any fact, all words must match', () => {
  const list = [agent('web-1', 'Debian 12'), agent('db-1', 'Rocky 9', false)];
  assert.deepEqual(
    filterHosts(list, 'rocky').map((a) => a.identity),
    ['db-1'],
  );
  assert.deepEqual(
    filterHosts(list, 'web debian').map((a) => a.identity),
    ['web-1'],
  );
  assert.deepEqual(
    filterHosts(list, 'offline').map((a) => a.identity),
    ['db-1'],
  );
  assert.equal(filterHosts(list, '').length, 2);
});

test('format helpers', () => {
  assert.equal(relativeTime(1000, 31_000), '30s ago');
  assert.equal(relativeTime(0, 5), 'never');
  assert.equal(bytes(8 * 1024 ** 3), '8.0 GiB');
  assert.equal(fileNameFor('My deploy.yaml', 'yaml'), 'My-deploy.yaml');
});
