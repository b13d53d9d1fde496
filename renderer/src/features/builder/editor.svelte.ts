/**
 * The orchestration being edited, shared by the builder, the YAML pane, the Library and Deploy.
 * Wraps the plain OrchestrationDoc with $state copies of what views read.
 */
import { OrchestrationDoc } from '../yaml/orchestration-doc.js';
import type { DocEdit, StepRef } from '../yaml/edits.js';
import type { DocError, OrchestrationModel } from '../yaml/model.js';

export const NEW_TEMPLATE = '# Directord orchestration\n- name: main\n  jobs: []\n';

export class Editor {
  text = $state('');
  model = $state.raw<OrchestrationModel>({ entries: [] });
  errors = $state.raw<DocError[]>([]);
  canUndo = $state(false);
  canRedo = $state(false);
  name = $state('untitled');
  fileName = $state('untitled.yaml');
  /** Library item this came from (Save updates it). */
  libraryId = $state<string | null>(null);
  savedText = $state('');
  selected = $state<StepRef | null>(null);
  selectedEntry = $state(0);
  #doc: OrchestrationDoc;

  constructor() {
    this.#doc = new OrchestrationDoc(NEW_TEMPLATE, 'untitled.yaml');
    this.#sync();
    this.savedText = this.text;
  }

  get dirty(): boolean {
    return this.text !== this.savedText;
  }

  /** Opens a text (import, library); an invalid text still opens, showing its errors. */
  load(text: string, fileName: string, options: { name?: string; libraryId?: string | null } = {}): void {
    this.#doc = new OrchestrationDoc(text, fileName);
    this.fileName = fileName;
    this.name = options.name ?? fileName.replace(/\.ya?ml$/i, '');
    this.libraryId = options.libraryId ?? null;
    this.selected = null;
    this.selectedEntry = 0;
    this.#sync();
    this.savedText = text;
  }

  /**
   * Replaces the text as one undoable step (Import YAML): Undo brings back what was there. The
   * imported file counts as saved; the library item it came from no longer applies.
   */
  importText(text: string, fileName: string): void {
    this.#doc.fileName = fileName;
    this.#doc.setText(text, null);
    this.fileName = fileName;
    this.name = fileName.replace(/\.ya?ml$/i, '');
    this.libraryId = null;
    this.selected = null;
    this.selectedEntry = 0;
    this.#sync();
    this.savedText = text;
  }

  /** Back to a working copy kept across a reload (persist.ts): its text, names and what was saved. */
  restore(state: Readonly<{ text: string; fileName: string; name: string; libraryId: string | null; savedText: string }>): void {
    this.load(state.text, state.fileName, { name: state.name, libraryId: state.libraryId });
    this.savedText = state.savedText;
  }

  markSaved(libraryId: string, name: string): void {
    this.libraryId = libraryId;
    this.name = name;
    this.savedText = this.text;
  }

  edit(change: DocEdit, historyKey: string | null = null): void {
    this.#doc.edit(change, historyKey);
    this.#sync();
  }

  /** From the YAML pane; returns whether the text was valid. */
  setText(text: string): boolean {
    const ok = this.#doc.setText(text);
    this.#sync();
    return ok;
  }

  revert(): void {
    this.#doc.revert();
    this.#sync();
  }

  undo(): void {
    if (this.#doc.undo()) this.#sync();
  }

  redo(): void {
    if (this.#doc.redo()) this.#sync();
  }

  get stepCount(): number {
    return this.model.entries.reduce((n, e) => n + e.jobs.length, 0);
  }

  #sync(): void {
    this.text = this.#doc.text;
    this.model = this.#doc.model;
    this.errors = this.#doc.errors;
    this.canUndo = this.#doc.history.canUndo;
    this.canRedo = this.#doc.history.canRedo;
    const entries = this.model.entries.length;
    if (this.selectedEntry >= entries) this.selectedEntry = Math.max(0, entries - 1);
    const sel = this.selected;
    if (sel && !this.model.entries[sel.entry]?.jobs[sel.job]) this.selected = null;
  }
}

export const editor = new Editor();
