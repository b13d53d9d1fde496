/** The Hosts page's tree: smart groups with live counts from the same snapshot, a broken one saying why. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexInventory } from '#protocol/inventory/resolve.js';
import type { InventoryHost } from '#protocol/inventory/types.js';
import { smartRows } from './groups.js';

const host = (name: string, labels: Record<string, string>, online: boolean): InventoryHost => ({
  name,
  labels,
  vars: {},
  facts: null,
  online,
  enrolled: true,
  ssh: null,
});

test('smart rows: members, online and offline of each smart group, by name; errors instead of counts', () => {
  const index = indexInventory({
    hosts: [host('web-1', { env: 'prod' }, true), host('web-2', { env: 'prod' }, false), host('web-3', {}, true)],
    groups: [{ name: 'web', hosts: ['web-1', 'web-2', 'web-3'], children: [], vars: {} }],
    smartGroups: [
      { name: 'prod-web', pattern: 'web:&label:env=prod' },
      { name: 'loop', pattern: 'loop:web' },
      { name: 'none', pattern: 'web:&label:env=staging' },
    ],
  });
  assert.deepEqual(smartRows(index), [
    { name: 'loop', pattern: 'loop:web', members: 0, online: 0, offline: 0, error: 'smart group loop refers to itself: loop → loop' },
    { name: 'none', pattern: 'web:&label:env=staging', members: 0, online: 0, offline: 0, error: null },
    { name: 'prod-web', pattern: 'web:&label:env=prod', members: 2, online: 1, offline: 1, error: null },
  ]);
});
