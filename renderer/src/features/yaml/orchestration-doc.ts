/**
 * One orchestration being edited: the user's YAML text, the last valid parsed document and the
 * builder model derived from it. Builder edits go through the `yaml` Document API, then are
 * applied to the user's text as a line patch (see line-diff.ts), so comments, key order, blank
 * lines and quoting everywhere else survive byte for byte. Text edits (the YAML pane) re-derive
 * the model; invalid text reports line/column errors and leaves the model as it was.
 */
import { LineCounter, parseDocument, type Document, type ToStringOptions } from 'yaml';
import { deriveModel, stripPositions, type DocError, type OrchestrationModel } from './model.js';
import { patchText } from './line-diff.js';
import { History } from './history.js';
import { applyEdit, type DocEdit } from './edits.js';

/** Extra checks of a text that parsed (e.g. components/orchestration.ts); returns errors found. */
export type TextValidator = (text: string, fileName: string) => DocError[];

type Parsed = { doc: Document; model: OrchestrationModel } | { errors: DocError[] };

function parse(text: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  const derived = deriveModel(doc, lineCounter, text);
  return derived.ok ? { doc, model: derived.model } : { errors: derived.errors };
}

/** How the user's file formats block sequences, so inserted lines look like their neighbours. */
export function detectFormat(text: string): ToStringOptions {
  const m = /^( *)(?:- )?[\w-]+:[ \t]*\r?\n((?: *#.*\r?\n)*)( *)- /m.exec(text);
  let indentSeq = true;
  if (m) {
    const keyLine = m[0].split('\n')[0] ?? '';
    const keyIndent = keyLine.search(/[\w-]+:/);
    indentSeq = (m[3] ?? '').length > keyIndent;
  }
  return { indentSeq, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: false };
}

export class OrchestrationDoc {
  text: string;
  fileName: string;
  model: OrchestrationModel;
  errors: DocError[];
  readonly history = new History<string>();
  #doc: Document;
  #validText: string;
  #format: ToStringOptions;
  #validate: TextValidator | undefined;

  /** Throws nothing: an invalid text gives an empty model and its errors. */
  constructor(text: string, fileName: string, validate?: TextValidator) {
    this.text = text;
    this.fileName = fileName;
    this.#validate = validate;
    this.#format = detectFormat(text);
    const parsed = this.#check(text);
    if ('doc' in parsed) {
      this.#doc = parsed.doc;
      this.model = parsed.model;
      this.errors = [];
      this.#validText = text;
    } else {
      const empty = parse('');
      this.#doc = (empty as { doc: Document }).doc;
      this.model = { entries: [] };
      this.errors = parsed.errors;
      this.#validText = '';
    }
  }

  /** True when the text shown differs from the state the builder holds (invalid YAML pane). */
  get diverged(): boolean {
    return this.errors.length > 0;
  }

  /** The last text that parsed; what "Revert YAML" restores. */
  get validText(): string {
    return this.#validText;
  }

  /** A text edit from the YAML pane. Returns whether it was valid (and so applied to the model). */
  setText(text: string, historyKey: string | null = 'yaml-text'): boolean {
    if (text === this.text) return this.errors.length === 0;
    const parsed = this.#check(text);
    if ('doc' in parsed) {
      if (text !== this.#validText) this.history.record(this.#validText, historyKey);
      this.#format = detectFormat(text);
      this.#accept(text, parsed);
      return true;
    }
    this.text = text;
    this.errors = parsed.errors;
    return false;
  }

  /** Throws away invalid pane edits and shows the builder's state again. */
  revert(): void {
    this.text = this.#validText;
    this.errors = [];
  }

  /** Applies one builder edit; `historyKey` coalesces rapid edits of the same field into one undo step. */
  edit(change: DocEdit, historyKey: string | null = null): void {
    if (this.errors.length) this.revert();
    const before = this.#validText;
    const prevCanon = this.#doc.toString(this.#format);
    applyEdit(this.#doc, change);
    const nextCanon = this.#doc.toString(this.#format);
    if (prevCanon === nextCanon) return;
    const expected = stripPositions(this.#modelOf(this.#doc));
    const patched = before.trim() === '' ? null : patchText(before, prevCanon, nextCanon);
    let next = patched ?? nextCanon;
    let parsed = parse(next);
    if (!('doc' in parsed) || JSON.stringify(stripPositions(parsed.model)) !== JSON.stringify(expected)) {
      next = nextCanon;
      parsed = parse(next);
    }
    if (!('doc' in parsed)) return;
    this.history.record(before, historyKey);
    this.#accept(next, parsed);
  }

  undo(): boolean {
    const prev = this.history.undo(this.#validText);
    if (prev === undefined) return false;
    this.#restore(prev);
    return true;
  }

  redo(): boolean {
    const next = this.history.redo(this.#validText);
    if (next === undefined) return false;
    this.#restore(next);
    return true;
  }

  #restore(text: string): void {
    const parsed = parse(text);
    if ('doc' in parsed) this.#accept(text, parsed);
  }

  #modelOf(doc: Document): OrchestrationModel {
    const derived = deriveModel(doc, new LineCounter());
    return derived.ok ? derived.model : { entries: [] };
  }

  #check(text: string): Parsed {
    const parsed = parse(text);
    if (!('doc' in parsed) || !this.#validate) return parsed;
    const extra = this.#validate(text, this.fileName);
    return extra.length ? { errors: extra } : parsed;
  }

  #accept(text: string, parsed: { doc: Document; model: OrchestrationModel }): void {
    this.text = text;
    this.#validText = text;
    this.#doc = parsed.doc;
    this.model = parsed.model;
    this.errors = [];
  }
}
