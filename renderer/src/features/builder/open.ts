/** Opening another orchestration in the builder: its text, and only its own attached files. */
import type { LibraryAttachment } from '#protocol/ui-events.js';
import { attachments } from './attachments.svelte.js';
import { editor } from './editor.svelte.js';

export function openOrchestration(text: string, fileName: string, options: { name?: string; libraryId?: string | null; attachments?: readonly LibraryAttachment[] } = {}): void {
  editor.load(text, fileName, options);
  attachments.replace(options.attachments ?? []);
}
