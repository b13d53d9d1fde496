/** Opening another orchestration in the builder: its text, and only its own attached files. */
import type { LibraryAttachment } from '#protocol/ui-events.js';
import { confirmer } from '../../lib/confirm.svelte.js';
import { attachments } from './attachments.svelte.js';
import { editor } from './editor.svelte.js';

export function openOrchestration(
  text: string,
  fileName: string,
  options: { name?: string; libraryId?: string | null; attachments?: readonly LibraryAttachment[] } = {},
): void {
  editor.load(text, fileName, options);
  attachments.replace(options.attachments ?? []);
}

/** Import YAML: the file replaces the text as one undoable step (its attached files go: they were another file's). */
export function importOrchestration(text: string, fileName: string): void {
  editor.importText(text, fileName);
  attachments.replace([]);
}

/**
 * True when the builder's orchestration may be replaced by `what` ("Importing x.yaml"): at once
 * when nothing is unsaved, else once the user agrees to lose the edits.
 */
export function confirmDiscard(what: string, undoable = false): Promise<boolean> {
  if (!editor.dirty) return Promise.resolve(true);
  return confirmer.ask({
    title: `Discard unsaved edits to ${editor.name}?`,
    detail: `${what} replaces the orchestration in the builder, and your edits since it was last saved or opened are not saved anywhere.${undoable ? ' Undo brings them back.' : ''}`,
    confirmLabel: 'Discard edits',
    cancelLabel: 'Keep editing',
    danger: true,
  });
}
