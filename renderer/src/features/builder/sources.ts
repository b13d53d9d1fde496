/**
 * ADD/COPY in the console (pure, tested). The console cannot read the operator's disk, so each
 * SOURCE pattern of a file-transferring step needs files attached by the user. Attached files
 * are content-addressed exactly as the CLI does (SHA3-224, components/sha.ts), uploaded as blobs
 * (`blobs:has`, then `blobs:put` in pieces of LIMITS.blobChunkBytes) and listed on the job as
 * `files`, so the server sees the same submission `directord orchestrate` sends.
 */
import { ADD } from '#components/builtin/ADD.js';
import { COPY } from '#components/builtin/COPY.js';
import type { Component } from '#components/define.js';
import { sha3_224Hex } from '#components/sha.js';
import { hasMagic, jobSourcePatterns, nameMatchesPattern, patternBaseName } from '#components/sources.js';
import type { BlobPut, BlobPutResult, BlobsHasResult } from '#protocol/blobs.js';
import type { LibraryAttachment } from '#protocol/ui-events.js';
import type { RunSubmission, SourceFile } from '#protocol/jobs.js';
import { fail, ok, formatWireError, type Result } from '#protocol/result.js';
import { LIMITS } from '#protocol/version.js';
import type { OrchestrationModel, StepModel } from '../yaml/model.js';

/** Components whose sources are read on the operator's side (built-ins with `sourcePatterns`). */
const FILE_COMPONENTS: ReadonlyMap<string, Component> = new Map([ADD, COPY].filter((c) => c.sourcePatterns).map((c) => [c.verb, c]));

/** Browsers do not tell a file's permission bits; the agent applies `--chmod`, not this. */
const BROWSER_FILE_MODE = 0o644;

/**
 * A file attached for a SOURCE pattern. `bytes` is what the user picked in this session; a file
 * restored from a saved orchestration has none: its content is already in the server's blob store.
 */
export type AttachedFile = Readonly<SourceFile & { bytes?: Uint8Array }>;
/** Attached files by SOURCE pattern (the same pattern in two steps means the same files, as in the CLI). */
export type Attachments = ReadonlyMap<string, readonly AttachedFile[]>;

export function takesSourceFiles(verb: string): boolean {
  return FILE_COMPONENTS.has(verb);
}

/** The SOURCE patterns of a step (null: not a file-transferring step, or its text does not parse). */
export function stepSourcePatterns(step: Pick<StepModel, 'verb' | 'text' | 'vars'>): readonly string[] | null {
  return jobSourcePatterns(FILE_COMPONENTS.get(step.verb), { text: step.text, ...(step.vars ? { vars: { ...step.vars } } : {}) });
}

/** One picked file, hashed. `bytes` stay in memory until deploy uploads them. */
export function attachedFile(name: string, bytes: Uint8Array): AttachedFile {
  return { name, sha: sha3_224Hex(bytes), size: bytes.length, mode: BROWSER_FILE_MODE, bytes };
}

/**
 * The files that stand for `pattern`, or a message saying why they cannot. A plain path takes one
 * file, named like the path (what the CLI would send, whatever the picked file was called); a
 * glob takes files whose names match its last segment.
 */
export function filesForPattern(pattern: string, picked: readonly AttachedFile[]): Result<AttachedFile[]> {
  if (picked.length === 0) return fail('invalid-payload', `no file picked for ${pattern}`);
  for (const f of picked) {
    if (f.size > LIMITS.maxBlobBytes)
      return fail('too-large', `${f.name} has ${f.size} bytes; a file may have at most ${LIMITS.maxBlobBytes}`);
  }
  const base = patternBaseName(pattern);
  if (!hasMagic(base)) {
    if (picked.length > 1) return fail('invalid-payload', `${pattern} names one file; pick one (or use a glob such as *.conf)`);
    const [only] = picked as [AttachedFile];
    return ok([{ ...only, name: base }]);
  }
  const wrong = picked.filter((f) => !nameMatchesPattern(f.name, pattern));
  if (wrong.length)
    return fail('invalid-payload', `${wrong.map((f) => f.name).join(', ')} ${wrong.length === 1 ? 'does' : 'do'} not match ${base}`);
  const names = new Set<string>();
  for (const f of picked) {
    if (names.has(f.name)) return fail('invalid-payload', `two files are named ${f.name}`);
    names.add(f.name);
  }
  return ok([...picked].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

export type MissingSource = Readonly<{ entry: number; job: number; verb: string; pattern: string }>;

/** Every SOURCE pattern of the orchestration that has no attached file, in order. */
export function missingSources(model: OrchestrationModel, attachments: Attachments): MissingSource[] {
  const out: MissingSource[] = [];
  model.entries.forEach((entry, e) =>
    entry.jobs.forEach((step, j) => {
      for (const pattern of stepSourcePatterns(step) ?? [])
        if (!attachments.get(pattern)?.length) out.push({ entry: e, job: j, verb: step.verb, pattern });
    }),
  );
  return out;
}

/** The sentence that blocks deploy for one missing file: names the step, its entry and the file. */
export function missingSourceMessage(m: MissingSource, entryName: string | undefined): string {
  const entry = entryName ? `entry "${entryName}"` : `entry ${m.entry + 1}`;
  return `Step ${m.job + 1} (${m.verb}) of ${entry} needs ${m.pattern}: attach it in the step (the console cannot read files on your computer)`;
}

/**
 * The submission with `files` on every file-transferring job, and the blobs to upload (by SHA).
 * Fails naming the job and the file when a pattern has nothing attached.
 */
export function withAttachedSources(
  submission: RunSubmission,
  attachments: Attachments,
): Result<{ submission: RunSubmission; blobs: Map<string, Uint8Array> }> {
  const blobs = new Map<string, Uint8Array>();
  const entries = [];
  for (const [e, entry] of submission.entries.entries()) {
    const jobs = [];
    for (const [j, job] of entry.jobs.entries()) {
      const patterns = stepSourcePatterns(job);
      if (!patterns) {
        jobs.push(job);
        continue;
      }
      const files: SourceFile[] = [];
      for (const pattern of patterns) {
        const attached = attachments.get(pattern);
        if (!attached?.length)
          return fail('invalid-payload', missingSourceMessage({ entry: e, job: j, verb: job.verb, pattern }, entry.name));
        for (const f of attached) {
          if (f.bytes) blobs.set(f.sha, f.bytes);
          files.push({ name: f.name, sha: f.sha, size: f.size, mode: f.mode });
        }
      }
      jobs.push({ ...job, files });
    }
    entries.push({ ...entry, jobs });
  }
  return ok({ submission: { ...submission, entries }, blobs });
}

/**
 * What a library save keeps of the attachments: the files of every SOURCE pattern the
 * orchestration uses (in order, once each), and the bytes the server may still lack.
 */
export function attachmentsToSave(
  model: OrchestrationModel,
  attachments: Attachments,
): { list: LibraryAttachment[]; blobs: Map<string, Uint8Array> } {
  const list: LibraryAttachment[] = [];
  const blobs = new Map<string, Uint8Array>();
  const done = new Set<string>();
  for (const entry of model.entries) {
    for (const step of entry.jobs) {
      for (const pattern of stepSourcePatterns(step) ?? []) {
        const files = attachments.get(pattern);
        if (done.has(pattern) || !files?.length) continue;
        done.add(pattern);
        list.push({ pattern, files: files.map((f) => ({ name: f.name, sha: f.sha, size: f.size, mode: f.mode })) });
        for (const f of files) if (f.bytes) blobs.set(f.sha, f.bytes);
      }
    }
  }
  return { list, blobs };
}

/** Base64 of bytes, in slices so a 4 MiB piece never builds one giant argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export type BlobApi = Readonly<{
  has(shas: string[]): Promise<Result<BlobsHasResult>>;
  put(piece: BlobPut): Promise<Result<BlobPutResult>>;
}>;

/** Uploads the blobs the server lacks, in pieces of LIMITS.blobChunkBytes; the count sent, or the first error. */
export async function uploadBlobs(
  api: BlobApi,
  blobs: ReadonlyMap<string, Uint8Array>,
  onProgress?: (sentBytes: number, totalBytes: number) => void,
): Promise<Result<number>> {
  if (blobs.size === 0) return ok(0);
  const has = await api.has([...blobs.keys()]);
  if (!has.ok) return fail(has.error.code, `Uploading files failed: ${formatWireError(has.error)}`);
  const missing = has.value.missing.filter((sha) => blobs.has(sha));
  const total = missing.reduce((n, sha) => n + (blobs.get(sha)?.length ?? 0), 0);
  let sent = 0;
  for (const sha of missing) {
    const data = blobs.get(sha)!;
    let offset = 0;
    do {
      const piece = data.subarray(offset, offset + LIMITS.blobChunkBytes);
      const put = await api.put({ sha, size: data.length, offset, content: bytesToBase64(piece) });
      if (!put.ok) return fail(put.error.code, `Uploading a file (SHA3-224 ${sha.slice(0, 12)}…) failed: ${formatWireError(put.error)}`);
      offset += piece.length;
      sent += piece.length;
      onProgress?.(sent, total);
    } while (offset < data.length);
  }
  return ok(missing.length);
}

/** The paths of an ADD/COPY form with `names` added as sources before DEST (the last path). */
export function insertSourceNames(paths: readonly string[], names: readonly string[]): string[] {
  const fresh = names.filter((n) => !paths.includes(n));
  if (paths.length === 0) return [...fresh];
  return [...paths.slice(0, -1), ...fresh, paths.at(-1)!];
}
