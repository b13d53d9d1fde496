/** The console's saved orchestrations, with the files attached to them (blob links keep those from GC). */
import type { LibraryAttachment, LibraryItem, LibraryItemSummary } from '../../../protocol/ui-events.js';
import type { LibraryStore } from '../types.js';
import type { Db } from './open.js';

type SqlItem = {
  id: string;
  name: string;
  yaml: string;
  attachments: string;
  allow_simultaneous: number;
  created_at: number;
  updated_at: number;
};

function parseAttachments(text: string): LibraryAttachment[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as LibraryAttachment[]) : [];
  } catch {
    return [];
  }
}

export function createLibrarySql(db: Db): LibraryStore {
  const list = db.prepare<[], Omit<SqlItem, 'yaml' | 'attachments'>>(
    'SELECT id, name, allow_simultaneous, created_at, updated_at FROM library ORDER BY name COLLATE NOCASE, id',
  );
  const get = db.prepare<[string], SqlItem>('SELECT * FROM library WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO library (id, name, yaml, attachments, allow_simultaneous, created_at, updated_at) VALUES (@id, @name, @yaml, @attachments, COALESCE(@allow, 0), @now, @now)',
  );
  // A save without the setting (the builder's Save) keeps the stored one.
  const update = db.prepare(
    'UPDATE library SET name = @name, yaml = @yaml, attachments = @attachments, allow_simultaneous = COALESCE(@allow, allow_simultaneous), updated_at = @now WHERE id = @id',
  );
  const setAllow = db.prepare('UPDATE library SET allow_simultaneous = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM library WHERE id = ?');
  const unlinkAll = db.prepare('DELETE FROM library_blobs WHERE library_id = ?');
  const link = db.prepare('INSERT INTO library_blobs (library_id, sha) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const anyItem = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM library_blobs WHERE sha = ? LIMIT 1');
  const item = (r: SqlItem): LibraryItem => ({
    id: r.id,
    name: r.name,
    yaml: r.yaml,
    attachments: parseAttachments(r.attachments),
    allowSimultaneous: r.allow_simultaneous === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  const allowOf = (allow: boolean | undefined) => (allow === undefined ? null : allow ? 1 : 0);
  const relink = (id: string, attachments: readonly LibraryAttachment[]) => {
    unlinkAll.run(id);
    for (const a of attachments) for (const f of a.files) link.run(id, f.sha);
  };
  const insertItem = db.transaction(
    (id: string, name: string, yaml: string, attachments: readonly LibraryAttachment[], now: number, allow?: boolean): void => {
      insert.run({ id, name, yaml, attachments: JSON.stringify(attachments), allow: allowOf(allow), now });
      relink(id, attachments);
    },
  );
  const updateItem = db.transaction(
    (id: string, name: string, yaml: string, attachments: readonly LibraryAttachment[], now: number, allow?: boolean): boolean => {
      if (update.run({ id, name, yaml, attachments: JSON.stringify(attachments), allow: allowOf(allow), now }).changes !== 1) return false;
      relink(id, attachments);
      return true;
    },
  );
  return {
    list: async (): Promise<LibraryItemSummary[]> =>
      list.all().map((r) => ({
        id: r.id,
        name: r.name,
        allowSimultaneous: r.allow_simultaneous === 1,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
    async get(id: string): Promise<LibraryItem | undefined> {
      const r = get.get(id);
      return r ? item(r) : undefined;
    },
    insert: async (id, name, yaml, attachments, now, allow) => insertItem(id, name, yaml, attachments, now, allow),
    update: async (id, name, yaml, attachments, now, allow) => updateItem(id, name, yaml, attachments, now, allow),
    setAllowSimultaneous: async (id, allow) => setAllow.run(allow ? 1 : 0, id).changes === 1,
    remove: async (id) => remove.run(id).changes === 1,
    listsBlob: async (sha) => anyItem.get(sha) !== undefined,
  };
}
