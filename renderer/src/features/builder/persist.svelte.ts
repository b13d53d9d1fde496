/**
 * Keeps the builder's working orchestration in localStorage (working-copy.ts), so a reload, a
 * crash or a closed tab does not reset it to an empty "untitled". Restored once at start; saved
 * after each change (debounced). Restored attachments are kept only if the server holds their
 * content (checked once connected); a file picked and never deployed must be attached again.
 */
import { blobs, client } from '../../lib/api/index.js';
import { attachments } from './attachments.svelte.js';
import { editor } from './editor.svelte.js';
import { keepUploaded, parseWorkingCopy, serializeWorkingCopy, WORKING_COPY_KEY } from './working-copy.js';

const SAVE_DELAY_MS = 300;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function startWorkingCopy(): void {
  const store = storage();
  if (!store) return;
  const copy = parseWorkingCopy(store.getItem(WORKING_COPY_KEY));
  if (copy) {
    editor.restore(copy);
    attachments.replace(copy.attachments);
    if (copy.attachments.length) {
      let checked = false;
      client.onConnect(() => {
        if (checked) return;
        checked = true;
        const shas = [...new Set(copy.attachments.flatMap((a) => a.files.map((f) => f.sha)))];
        void blobs.has(shas).then((r) => {
          // Only if nothing was attached meanwhile (a later pick must not be undone).
          if (r.ok && attachments.byPattern.size === copy.attachments.length)
            attachments.replace(keepUploaded(copy.attachments, new Set(r.value.missing)));
        });
      });
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: string | null | undefined;
  const flush = () => {
    clearTimeout(timer);
    if (pending === undefined) return;
    try {
      if (pending === null) store.removeItem(WORKING_COPY_KEY);
      else store.setItem(WORKING_COPY_KEY, pending);
    } catch {
      // Quota or privacy mode: the copy is a convenience, the builder works without it.
    }
    pending = undefined;
  };
  // A reload right after an edit must not lose it to the debounce.
  window.addEventListener('pagehide', flush);
  $effect.root(() => {
    $effect(() => {
      const json = serializeWorkingCopy(
        { text: editor.text, fileName: editor.fileName, name: editor.name, libraryId: editor.libraryId, savedText: editor.savedText },
        attachments.byPattern,
      );
      pending = json;
      clearTimeout(timer);
      timer = setTimeout(flush, SAVE_DELAY_MS);
    });
  });
}
