/**
 * Saves the builder's orchestration to the library with its attached files: their content is
 * uploaded first (the server refuses an item listing content it does not have), so reopening the
 * item later, even after a reload, needs no re-attaching.
 */
import type { Result } from '#protocol/result.js';
import type { LibraryItem } from '#protocol/ui-events.js';
import { blobs, library } from '../../lib/api/index.js';
import { attachments } from './attachments.svelte.js';
import type { Editor } from './editor.svelte.js';
import { attachmentsToSave, uploadBlobs } from './sources.js';

export async function saveToLibrary(editor: Editor): Promise<Result<LibraryItem>> {
  const kept = attachmentsToSave(editor.model, attachments.byPattern);
  const uploaded = await uploadBlobs(blobs, kept.blobs);
  if (!uploaded.ok) return uploaded;
  return library.save({
    ...(editor.libraryId ? { id: editor.libraryId } : {}),
    name: editor.name,
    yaml: editor.text,
    attachments: kept.list,
  });
}
