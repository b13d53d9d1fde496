/** A Library item named on the command line or in a request: by exact name (or id). */
import { fail, ok, type Result } from '../../protocol/result.js';
import type { LibraryStore } from '../store/types.js';

export async function libraryIdByName(library: Pick<LibraryStore, 'list'>, name: string): Promise<Result<string>> {
  const items = await library.list();
  const byId = items.find((i) => i.id === name);
  if (byId) return ok(byId.id);
  const matches = items.filter((i) => i.name === name);
  if (matches.length === 1) return ok(matches[0]!.id);
  if (matches.length > 1)
    return fail(
      'conflict',
      `--library ${name}: ${matches.length} Library items have that name; use the item's id (${matches.map((m) => m.id).join(', ')})`,
      { location: { field: 'library' } },
    );
  return fail('not-found', `--library ${name}: no Library item has that name (save the orchestration in the console's Library first)`, {
    location: { field: 'library' },
  });
}
