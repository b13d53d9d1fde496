/**
 * Keeps a `<dialog>` in step with the boolean that says it should be open: shown modally when it
 * turns true (after `onOpen`, which resets the dialog's state), closed when it turns false. Called
 * from a component's `$effect`, so the flag (and whatever `onOpen` reads) is tracked.
 */
export function syncModal(dialog: HTMLDialogElement | undefined, open: boolean, onOpen: () => void): void {
  if (!dialog) return;
  if (open && !dialog.open) {
    onOpen();
    dialog.showModal();
  } else if (!open && dialog.open) dialog.close();
}
