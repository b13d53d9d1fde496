/**
 * Builder edits as operations on a `yaml` Document (setIn/addIn/deleteIn-style node edits), so
 * everything the edit does not touch (comments, key order, scalar styles) stays as it was.
 */
import { isMap, isScalar, isSeq, YAMLMap, YAMLSeq, type Document, type Node, type Pair } from 'yaml';

export type StepRef = Readonly<{ entry: number; job: number }>;

export type DocEdit =
  | { kind: 'set-job-text'; at: StepRef; text: string }
  | { kind: 'set-job-name'; at: StepRef; name: string | null }
  | { kind: 'insert-job'; at: StepRef; verb: string; text: string }
  | { kind: 'remove-job'; at: StepRef }
  | { kind: 'move-job'; from: StepRef; to: StepRef }
  | { kind: 'duplicate-job'; at: StepRef }
  | { kind: 'insert-entry'; index: number; name?: string }
  | { kind: 'remove-entry'; index: number }
  | { kind: 'move-entry'; from: number; to: number }
  | { kind: 'set-entry-name'; index: number; name: string | null }
  | { kind: 'set-entry-targets'; index: number; targets: readonly string[] }
  | { kind: 'set-entry-async'; index: number; async: boolean }
  /** A rollout key of an entry (issue #17); null removes it. */
  | {
      kind: 'set-entry-rollout';
      index: number;
      key: 'serial' | 'max_fail_percentage' | 'pause' | 'approve';
      value: string | number | boolean | (string | number)[] | null;
    };

function rootSeq(doc: Document): YAMLSeq {
  if (isSeq(doc.contents)) return doc.contents;
  const seq = new YAMLSeq(doc.schema);
  doc.contents = seq;
  return seq;
}

function entryMap(doc: Document, index: number): YAMLMap {
  const node = rootSeq(doc).items[index];
  if (!isMap(node)) throw new RangeError(`no entry ${index}`);
  return node;
}

function jobsSeq(doc: Document, index: number): YAMLSeq {
  const entry = entryMap(doc, index);
  const jobs = entry.get('jobs', true);
  if (isSeq(jobs)) {
    jobs.flow = false;
    return jobs;
  }
  const seq = new YAMLSeq(doc.schema);
  entry.set('jobs', seq);
  return seq;
}

/** Sets `key` on `map`, inserting a new key at `position` (so `name` comes first, `targets` before `jobs`). */
function setKey(doc: Document, map: YAMLMap, key: string, value: unknown, position: number): void {
  const existing = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  const node = doc.createNode(value) as Node;
  if (isSeq(node)) node.flow = false;
  if (existing) {
    const old = existing.value;
    if (isScalar(old) && isScalar(node)) {
      old.value = node.value;
      return;
    }
    existing.value = node;
    return;
  }
  map.items.splice(Math.max(0, Math.min(position, map.items.length)), 0, doc.createPair(key, node) as Pair);
}

function hasKey(map: YAMLMap, key: string): boolean {
  return map.has(key);
}

function jobMap(doc: Document, at: StepRef): YAMLMap {
  const job = jobsSeq(doc, at.entry).items[at.job];
  if (!isMap(job)) throw new RangeError(`no job ${at.entry}/${at.job}`);
  return job;
}

export function applyEdit(doc: Document, edit: DocEdit): void {
  switch (edit.kind) {
    case 'set-job-text': {
      const first = jobMap(doc, edit.at).items[0] as Pair;
      if (isScalar(first.value)) {
        const blockFolded = first.value.type === 'BLOCK_FOLDED' || first.value.type === 'BLOCK_LITERAL';
        // An empty value had to be quoted (`RUN: ""`); once it has text, let the writer pick the style.
        if (first.value.value === '' || first.value.value === null) first.value.type = undefined;
        first.value.value = blockFolded && !edit.text.endsWith('\n') ? edit.text + '\n' : edit.text;
      } else first.value = doc.createNode(edit.text);
      return;
    }
    case 'set-job-name': {
      const job = jobMap(doc, edit.at);
      if (edit.name === null || edit.name === '') job.delete('name');
      else setKey(doc, job, 'name', edit.name, job.items.length);
      return;
    }
    case 'insert-job': {
      const seq = jobsSeq(doc, edit.at.entry);
      const node = doc.createNode({ [edit.verb]: edit.text }) as Node;
      seq.items.splice(clamp(edit.at.job, seq.items.length), 0, node);
      return;
    }
    case 'remove-job':
      jobsSeq(doc, edit.at.entry).items.splice(edit.at.job, 1);
      return;
    case 'move-job': {
      const from = jobsSeq(doc, edit.from.entry);
      const [node] = from.items.splice(edit.from.job, 1);
      if (node === undefined) return;
      const to = jobsSeq(doc, edit.to.entry);
      to.items.splice(clamp(edit.to.job, to.items.length), 0, node);
      return;
    }
    case 'duplicate-job': {
      const seq = jobsSeq(doc, edit.at.entry);
      const node = seq.items[edit.at.job];
      if (isMap(node)) {
        const copy = node.clone() as YAMLMap;
        copy.commentBefore = undefined;
        copy.spaceBefore = false;
        seq.items.splice(edit.at.job + 1, 0, copy);
      }
      return;
    }
    case 'insert-entry': {
      const root = rootSeq(doc);
      const map = new YAMLMap(doc.schema);
      if (edit.name) map.set('name', edit.name);
      map.set('jobs', new YAMLSeq(doc.schema));
      root.items.splice(clamp(edit.index, root.items.length), 0, map);
      return;
    }
    case 'remove-entry':
      rootSeq(doc).items.splice(edit.index, 1);
      return;
    case 'move-entry': {
      const root = rootSeq(doc);
      const [node] = root.items.splice(edit.from, 1);
      if (node === undefined) return;
      root.items.splice(clamp(edit.to, root.items.length), 0, node);
      // Blank lines separate entries: the first one needs none, the others keep one.
      root.items.forEach((item, i) => {
        if (isMap(item)) item.spaceBefore = i > 0 && (item.spaceBefore || item === node || i === 1);
      });
      return;
    }
    case 'set-entry-name': {
      const entry = entryMap(doc, edit.index);
      if (edit.name === null || edit.name === '') entry.delete('name');
      else setKey(doc, entry, 'name', edit.name, 0);
      return;
    }
    case 'set-entry-targets': {
      const entry = entryMap(doc, edit.index);
      const key = hasKey(entry, 'assign') ? 'assign' : 'targets';
      if (edit.targets.length === 0) entry.delete(key);
      else setKey(doc, entry, key, [...edit.targets], indexOfKey(entry, 'jobs'));
      return;
    }
    case 'set-entry-async': {
      const entry = entryMap(doc, edit.index);
      if (!edit.async && hasKey(entry, 'async')) entry.delete('async');
      else if (edit.async) setKey(doc, entry, 'async', true, indexOfKey(entry, 'jobs'));
      return;
    }
    case 'set-entry-rollout': {
      const entry = entryMap(doc, edit.index);
      if (edit.value === null || edit.value === false) entry.delete(edit.key);
      else setKey(doc, entry, edit.key, edit.value, indexOfKey(entry, 'jobs'));
      return;
    }
  }
}

function indexOfKey(map: YAMLMap, key: string): number {
  const i = map.items.findIndex((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  return i < 0 ? map.items.length : i;
}

function clamp(i: number, length: number): number {
  return Math.max(0, Math.min(i, length));
}
