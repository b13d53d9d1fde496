/** Rules of the orchestration library: ids are server-made; saving an unknown id is an error. */
import { randomUUID } from 'node:crypto';
import type { LibraryItem, LibraryItemSummary, LibrarySave } from '../../protocol/ui-events.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { LibraryStore } from '../store/types.js';

export type LibraryService = ReturnType<typeof createLibraryService>;

export function createLibraryService(deps: Readonly<{ repo: LibraryStore; clock: () => number; hasBlob: (sha: string) => boolean }>) {
  const { repo, clock } = deps;
  const notFound = (id: string) => fail('not-found', `no library item ${id}`);
  return {
    list: (): Promise<LibraryItemSummary[]> => repo.list(),
    async get(id: string): Promise<Result<LibraryItem>> {
      const item = await repo.get(id);
      return item ? ok(item) : notFound(id);
    },
    async save(item: LibrarySave): Promise<Result<LibraryItem>> {
      const now = clock();
      const name = item.name.trim();
      if (!name) return fail('invalid-payload', 'library:save: the name is empty', { location: { field: 'name' } });
      const attachments = item.attachments ?? [];
      // Listed files must already be stored: a saved item must never point at content that is not there.
      for (const [i, a] of attachments.entries()) {
        for (const [j, f] of a.files.entries()) {
          if (!deps.hasBlob(f.sha)) {
            return fail(
              'not-found',
              `library:save: the content of ${f.name} (SHA3-224 ${f.sha}) for ${a.pattern} was not uploaded; send it with blobs:put first`,
              {
                location: { field: `attachments.${i}.files.${j}.sha` },
              },
            );
          }
        }
      }
      if (item.id === undefined) {
        const id = randomUUID();
        await repo.insert(id, name, item.yaml, attachments, now, item.allowSimultaneous);
        return this.get(id);
      }
      return (await repo.update(item.id, name, item.yaml, attachments, now, item.allowSimultaneous))
        ? this.get(item.id)
        : notFound(item.id);
    },
    async setAllowSimultaneous(id: string, allow: boolean): Promise<Result<LibraryItem>> {
      return (await repo.setAllowSimultaneous(id, allow)) ? this.get(id) : notFound(id);
    },
    async remove(id: string): Promise<Result<null>> {
      return (await repo.remove(id)) ? ok(null) : notFound(id);
    },
  };
}
