/**
 * The working orchestration as kept in the browser's storage across reloads (pure, tested): its
 * text, names, the text last saved or opened (so "unsaved" survives too) and the names and
 * hashes of its attached files. File content is never stored here: it is in the server's blob
 * store or, for files picked and not deployed yet, gone with the page (they are attached again).
 */
import type { LibraryAttachment } from '#protocol/ui-events.js';
import type { Attachments } from './sources.js';

export const WORKING_COPY_KEY = 'directord.working-copy.v1';
/** Past this the copy is not kept (storage quotas are a few MB; a huge file is re-imported). */
export const WORKING_COPY_MAX_CHARS = 2_000_000;

export type WorkingCopy = Readonly<{
  text: string;
  fileName: string;
  name: string;
  libraryId: string | null;
  savedText: string;
  attachments: readonly LibraryAttachment[];
}>;

const isString = (v: unknown): v is string => typeof v === 'string';
const SHA = /^[0-9a-f]{56}$/;

/** The stored copy, or null when there is none or it is not one this build wrote. */
export function parseWorkingCopy(raw: string | null): WorkingCopy | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (
    !isString(v.text) ||
    !isString(v.fileName) ||
    !isString(v.name) ||
    !isString(v.savedText) ||
    !(v.libraryId === null || isString(v.libraryId))
  )
    return null;
  if (!Array.isArray(v.attachments)) return null;
  const attachments: LibraryAttachment[] = [];
  for (const a of v.attachments as unknown[]) {
    const at = a as { pattern?: unknown; files?: unknown };
    if (!isString(at?.pattern) || !Array.isArray(at.files)) return null;
    const files = (at.files as unknown[]).filter((f): f is LibraryAttachment['files'][number] => {
      const x = f as Record<string, unknown>;
      return isString(x?.name) && isString(x.sha) && SHA.test(x.sha) && Number.isInteger(x.size) && Number.isInteger(x.mode);
    });
    if (files.length)
      attachments.push({ pattern: at.pattern, files: files.map((f) => ({ name: f.name, sha: f.sha, size: f.size, mode: f.mode })) });
  }
  return { text: v.text, fileName: v.fileName, name: v.name, libraryId: v.libraryId, savedText: v.savedText, attachments };
}

/** What to store (null: too big to keep). Attached files keep their names and hashes, not their bytes. */
export function serializeWorkingCopy(copy: Omit<WorkingCopy, 'attachments'>, attached: Attachments): string | null {
  const attachments: LibraryAttachment[] = [...attached].map(([pattern, files]) => ({
    pattern,
    files: files.map((f) => ({ name: f.name, sha: f.sha, size: f.size, mode: f.mode })),
  }));
  const json = JSON.stringify({ ...copy, attachments });
  return json.length > WORKING_COPY_MAX_CHARS ? null : json;
}

/** The attachments whose content the server holds (`missing`: SHA3-224s it lacks); the others must be attached again. */
export function keepUploaded(attachments: readonly LibraryAttachment[], missing: ReadonlySet<string>): LibraryAttachment[] {
  return attachments
    .map((a) => ({ pattern: a.pattern, files: a.files.filter((f) => !missing.has(f.sha)) }))
    .filter((a) => a.files.length > 0);
}
