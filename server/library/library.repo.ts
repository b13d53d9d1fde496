/** The console's saved orchestrations. */
import type { LibraryItem, LibraryItemSummary } from '../../protocol/ui-events.js';
import type { Db } from '../db/open.js';

type SqlItem = { id: string; name: string; yaml: string; created_at: number; updated_at: number };

export type LibraryRepo = ReturnType<typeof createLibraryRepo>;

export function createLibraryRepo(db: Db) {
  const list = db.prepare<[], Omit<SqlItem, 'yaml'>>('SELECT id, name, created_at, updated_at FROM library ORDER BY name COLLATE NOCASE, id');
  const get = db.prepare<[string], SqlItem>('SELECT * FROM library WHERE id = ?');
  const insert = db.prepare('INSERT INTO library (id, name, yaml, created_at, updated_at) VALUES (@id, @name, @yaml, @now, @now)');
  const update = db.prepare('UPDATE library SET name = @name, yaml = @yaml, updated_at = @now WHERE id = @id');
  const remove = db.prepare('DELETE FROM library WHERE id = ?');
  const item = (r: SqlItem): LibraryItem => ({ id: r.id, name: r.name, yaml: r.yaml, createdAt: r.created_at, updatedAt: r.updated_at });
  return {
    list: (): LibraryItemSummary[] => list.all().map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at })),
    get: (id: string): LibraryItem | undefined => {
      const r = get.get(id);
      return r ? item(r) : undefined;
    },
    insert: (id: string, name: string, yaml: string, now: number): void => {
      insert.run({ id, name, yaml, now });
    },
    /** False when there is no such item. */
    update: (id: string, name: string, yaml: string, now: number): boolean => update.run({ id, name, yaml, now }).changes === 1,
    remove: (id: string): boolean => remove.run(id).changes === 1,
  };
}
