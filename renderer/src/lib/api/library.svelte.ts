/** Saved orchestrations (library:list/get/save/delete). */
import type { LibraryItem, LibraryItemSummary, LibrarySave } from '#protocol/ui-events.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export class LibraryStore {
  items = $state<LibraryItemSummary[]>([]);
  error = $state('');

  constructor() {
    client.onConnect(() => void this.refresh());
  }

  async refresh(): Promise<void> {
    const r = await client.request('library:list');
    if (r.ok) {
      this.items = r.value.slice().sort((a, b) => b.updatedAt - a.updatedAt);
      this.error = '';
    } else this.error = r.error.message;
  }

  get(id: string): Promise<Result<LibraryItem>> {
    return client.request('library:get', id);
  }

  async save(item: LibrarySave): Promise<Result<LibraryItem>> {
    const r = await client.request('library:save', item);
    if (r.ok) await this.refresh();
    return r;
  }

  async setAllowSimultaneous(id: string, allowSimultaneous: boolean): Promise<Result<LibraryItem>> {
    const r = await client.request('library:settings', { id, allowSimultaneous });
    if (r.ok) await this.refresh();
    return r;
  }

  async remove(id: string): Promise<Result<null>> {
    const r = await client.request('library:delete', id);
    if (r.ok) await this.refresh();
    return r;
  }
}

export const library = new LibraryStore();
