/** Rules of the orchestration library: ids are server-made; saving an unknown id is an error. */
import { randomUUID } from 'node:crypto';
import type { LibraryItem, LibraryItemSummary } from '../../protocol/ui-events.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { LibraryRepo } from './library.repo.js';

export type LibraryService = ReturnType<typeof createLibraryService>;

export function createLibraryService(deps: Readonly<{ repo: LibraryRepo; clock: () => number }>) {
  const { repo, clock } = deps;
  const notFound = (id: string) => fail('not-found', `no library item ${id}`);
  return {
    list: (): LibraryItemSummary[] => repo.list(),
    get(id: string): Result<LibraryItem> {
      const item = repo.get(id);
      return item ? ok(item) : notFound(id);
    },
    save(item: { id?: string; name: string; yaml: string }): Result<LibraryItem> {
      const now = clock();
      const name = item.name.trim();
      if (!name) return fail('invalid-payload', 'library:save: the name is empty', { location: { field: 'name' } });
      if (item.id === undefined) {
        const id = randomUUID();
        repo.insert(id, name, item.yaml, now);
        return this.get(id);
      }
      return repo.update(item.id, name, item.yaml, now) ? this.get(item.id) : notFound(item.id);
    },
    remove(id: string): Result<null> {
      return repo.remove(id) ? ok(null) : notFound(id);
    },
  };
}
