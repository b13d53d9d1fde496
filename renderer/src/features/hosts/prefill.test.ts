/** Add hosts prefilled from the inventory: only selected, not-enrolled hosts with an SSH address, as lines parseSshAddress reads back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSshAddress } from '#protocol/bootstrap.js';
import { indexInventory } from '#protocol/inventory/resolve.js';
import type { InventoryHost } from '#protocol/inventory/types.js';
import { bootstrapLines } from './prefill.js';

const host = (name: string, extra: Partial<InventoryHost>): InventoryHost => ({
  name,
  labels: {},
  vars: {},
  facts: null,
  online: false,
  enrolled: false,
  ssh: null,
  ...extra,
});

test('selected hosts without an agent become NAME=user@host:port lines', () => {
  const index = indexInventory({
    hosts: [
      host('web-1', { ssh: { host: '192.0.2.1', port: 2222, user: 'admin' } }),
      host('web-2', { ssh: { host: 'web-2', user: 'ops' } }),
      host('web-3', { ssh: { host: '2001:db8::3', user: 'root' } }),
      host('db-1', { ssh: { host: '192.0.2.9' }, enrolled: true, online: true }),
      host('db-2', {}),
    ],
    groups: [],
  });
  const lines = bootstrapLines(index, ['web-1', 'web-2', 'web-3', 'db-1', 'db-2', 'unknown']);
  assert.deepEqual(lines, ['web-1=admin@192.0.2.1:2222', 'ops@web-2', 'web-3=root@[2001:db8::3]']);
  assert.deepEqual(
    lines.map((l) => parseSshAddress(l)),
    [
      { ok: true, value: { name: 'web-1', user: 'admin', host: '192.0.2.1', port: 2222 } },
      { ok: true, value: { user: 'ops', host: 'web-2' } },
      { ok: true, value: { name: 'web-3', user: 'root', host: '2001:db8::3' } },
    ],
  );
  assert.deepEqual(bootstrapLines(index, []), []);
});
