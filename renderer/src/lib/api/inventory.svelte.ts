/** The inventory (issue #16): one snapshot from `inventory:get`, refreshed on `inventory:changed` and agent changes. */
import { indexInventory, type InventoryIndex } from '#protocol/inventory/resolve.js';
import type { InventorySnapshot } from '#protocol/inventory/types.js';
import type { InventoryChanges, InventoryImport, InventoryOp } from '#protocol/inventory/wire.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export class InventoryStore {
  snapshot = $state.raw<InventorySnapshot>({ hosts: [], groups: [] });
  /** Lookups built once per snapshot: patterns resolve against it as the user types. */
  index = $derived<InventoryIndex>(indexInventory(this.snapshot));
  error = $state('');
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    client.onConnect(() => void this.refresh());
    client.on('inventory:changed', () => void this.refresh());
    // Presence and facts are part of the inventory; coalesce bursts of agent updates.
    client.on('agent:updated', () => {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.refresh();
      }, 250);
    });
  }

  async refresh(): Promise<void> {
    const r = await client.request('inventory:get');
    if (r.ok) {
      this.snapshot = r.value;
      this.error = '';
    } else this.error = r.error.message;
  }

  async import(request: InventoryImport): Promise<Result<InventoryChanges>> {
    const r = await client.request('inventory:import', request);
    if (r.ok) await this.refresh();
    return r;
  }

  async edit(ops: InventoryOp[]): Promise<Result<InventoryChanges>> {
    const r = await client.request('inventory:edit', { ops });
    if (r.ok) await this.refresh();
    return r;
  }

  /** Saves the pattern under a name (a smart group); the server refuses a clash or a cycle, naming it. */
  async saveSmart(name: string, pattern: string): Promise<Result<InventoryChanges>> {
    const r = await client.request('inventory:smart-save', { name, pattern });
    if (r.ok) await this.refresh();
    return r;
  }

  async removeSmart(name: string): Promise<Result<InventoryChanges>> {
    const r = await client.request('inventory:smart-remove', { name });
    if (r.ok) await this.refresh();
    return r;
  }

  exportYaml(): Promise<Result<{ format: 'yaml' | 'json'; text: string }>> {
    return client.request('inventory:export', { format: 'yaml' });
  }
}

export const inventory = new InventoryStore();
