/** Builder commands shared by drag-and-drop, keyboard and buttons. */
import type { StepRef } from '../yaml/edits.js';
import type { Dragged } from './dnd.svelte.js';
import { editor } from './editor.svelte.js';

/** Adds a `verb` step at `at` (default: end of the selected entry), creating an entry if there is none. */
export function addStep(verb: string, at?: StepRef): void {
  if (editor.model.entries.length === 0) editor.edit({ kind: 'insert-entry', index: 0, name: 'main' });
  const entry = at?.entry ?? Math.min(editor.selectedEntry, editor.model.entries.length - 1);
  const job = at?.job ?? editor.model.entries[entry]?.jobs.length ?? 0;
  editor.edit({ kind: 'insert-job', at: { entry, job }, verb, text: '' });
  editor.selectedEntry = entry;
  editor.selected = { entry, job };
}

/** Applies a drop of `dragged` before step `to` (job = entry length for the end). */
export function dropAt(dragged: Dragged, to: StepRef): void {
  if (dragged.kind === 'verb') {
    addStep(dragged.verb, to);
    return;
  }
  const from = dragged.at;
  let target = to;
  if (from.entry === to.entry && from.job < to.job) target = { entry: to.entry, job: to.job - 1 };
  if (from.entry === target.entry && from.job === target.job) return;
  editor.edit({ kind: 'move-job', from, to: target });
  editor.selectedEntry = target.entry;
  editor.selected = target;
}

export function moveStep(at: StepRef, delta: -1 | 1): void {
  const entry = editor.model.entries[at.entry];
  if (!entry) return;
  let to: StepRef = { entry: at.entry, job: at.job + delta };
  if (to.job < 0) {
    if (at.entry === 0) return;
    to = { entry: at.entry - 1, job: editor.model.entries[at.entry - 1]?.jobs.length ?? 0 };
  } else if (to.job >= entry.jobs.length) {
    if (at.entry >= editor.model.entries.length - 1) return;
    to = { entry: at.entry + 1, job: 0 };
  }
  editor.edit({ kind: 'move-job', from: at, to });
  editor.selected = to;
  editor.selectedEntry = to.entry;
}

export function duplicateStep(at: StepRef): void {
  editor.edit({ kind: 'duplicate-job', at });
  editor.selected = { entry: at.entry, job: at.job + 1 };
}

export function deleteStep(at: StepRef): void {
  editor.edit({ kind: 'remove-job', at });
  const left = editor.model.entries[at.entry]?.jobs.length ?? 0;
  editor.selected = left > 0 ? { entry: at.entry, job: Math.min(at.job, left - 1) } : null;
}

export function addEntry(): void {
  const index = editor.model.entries.length;
  editor.edit({ kind: 'insert-entry', index, name: `entry ${index + 1}` });
  editor.selectedEntry = index;
  editor.selected = null;
}
