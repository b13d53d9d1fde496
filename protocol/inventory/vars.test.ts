/** The vars precedence as a table: job vars > ARG cache > host > child group > parent group > all. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indexInventory } from './resolve.js';
import type { InventorySnapshot } from './types.js';
import { inventoryVarsOf, templateVariables } from './vars.js';

const h = (name: string, vars: Record<string, unknown> = {}) => ({
  name,
  labels: {},
  vars,
  facts: null,
  online: true,
  enrolled: true,
  ssh: null,
});

// Each level sets `v` to its own name and a var of its own, so the table shows who wins.
const inventory: InventorySnapshot = {
  hosts: [h('web-1', { v: 'host', host_only: 1 }), h('web-2'), h('lone')],
  groups: [
    { name: 'all', hosts: [], children: [], vars: { v: 'all', all_only: 1 } },
    { name: 'prod', hosts: [], children: ['web'], vars: { v: 'parent', parent_only: 1 } },
    { name: 'web', hosts: ['web-1', 'web-2'], children: [], vars: { v: 'child', child_only: 1 } },
    // Same depth as prod: applied by name, so `aaa` first and `prod` over it.
    { name: 'aaa', hosts: ['web-2'], children: [], vars: { v: 'aaa', tie: 'aaa' } },
    { name: 'zzz', hosts: ['web-2'], children: [], vars: { tie: 'zzz' } },
  ],
};

type Row = [
  what: string,
  host: string,
  argCache: Record<string, unknown>,
  jobVars: Record<string, unknown> | undefined,
  expected: Record<string, unknown>,
];
const table: Row[] = [
  ['host vars beat every group', 'web-1', {}, undefined, { v: 'host' }],
  ['the child group beats its parent and all', 'web-2', {}, undefined, { v: 'child' }],
  ['groups of one depth apply by name (zzz over aaa)', 'web-2', {}, undefined, { tie: 'zzz' }],
  ['a host in no group gets all', 'lone', {}, undefined, { v: 'all', all_only: 1 }],
  ['every level contributes its own vars', 'web-1', {}, undefined, { all_only: 1, parent_only: 1, child_only: 1, host_only: 1 }],
  ['the ARG cache beats host vars', 'web-1', { v: 'arg' }, undefined, { v: 'arg', host_only: 1 }],
  ['job vars beat the ARG cache', 'web-1', { v: 'arg' }, { v: 'job' }, { v: 'job' }],
  ['job vars beat inventory vars without an ARG', 'web-2', {}, { v: 'job' }, { v: 'job', child_only: 1 }],
];

describe('inventory vars precedence', () => {
  const index = indexInventory(inventory);
  for (const [what, host, cache, job, expected] of table) {
    test(what, () => {
      const vars = templateVariables(inventoryVarsOf(index, host), cache, job);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(vars[k], v, `${k} of ${host}`);
    });
  }
});
