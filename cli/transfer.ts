/**
 * ADD/COPY on the operator's side (issue #4): SOURCE patterns are expanded here, on the machine
 * running the CLI (Python `glob.glob` rules: `*`, `?`, `[...]` within one path segment, hidden
 * names only when the pattern segment starts with `.`, `~` is the home dir), regular files only.
 * A relative pattern is looked up in each base folder in turn — for `orchestrate` the
 * orchestration file's folder, then the working directory; for `exec` the working directory —
 * and the first folder with a match wins. Each file is hashed (SHA3-224) and later uploaded as a
 * blob (`blobs:has`, then `blobs:put` in pieces) before the run is submitted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { EntrySubmission, JobSubmission, SourceFile } from '../protocol/jobs.js';
import { formatWireError } from '../protocol/result.js';
import { LIMITS } from '../protocol/version.js';
import type { Component } from '../components/define.js';
import { hasMagic, jobSourcePatterns, segmentPattern } from '../components/sources.js';
import type { UiClient } from './connection.js';
import { REQUEST_TIMEOUT_MS } from './connection.js';
import { CliError, EXIT } from './errors.js';

export { segmentPattern };

/** Paths (absolute, sorted) matching `pattern` relative to `base`. */
export function globFiles(pattern: string, base: string): string[] {
  const expanded = pattern === '~' || pattern.startsWith('~/') ? homedir() + pattern.slice(1) : pattern;
  const root = isAbsolute(expanded) ? '/' : resolve(base);
  const segments = expanded.split('/').filter((s) => s !== '' && s !== '.');
  let current = [root];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasMagic(segment)) {
        next.push(join(dir, segment));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      const re = segmentPattern(segment);
      for (const name of names) if ((segment.startsWith('.') || !name.startsWith('.')) && re.test(name)) next.push(join(dir, name));
    }
    current = next;
  }
  return current.filter((p) => existsSync(p)).sort();
}

export type LocalFile = SourceFile & Readonly<{ path: string }>;

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Expands each pattern in the first base folder where it matches; regular files only. Throws CliError. */
export function expandSources(verb: string, patterns: readonly string[], bases: readonly string[]): LocalFile[] {
  const folders = [...new Set(bases.map((b) => resolve(b)))];
  const files: LocalFile[] = [];
  for (const pattern of patterns) {
    let matched: string[] = [];
    for (const folder of isAbsolute(pattern) ? [folders[0] ?? '/'] : folders) {
      matched = globFiles(pattern, folder);
      if (matched.length) break;
    }
    const where = isAbsolute(pattern) ? '' : ` (looked in ${folders.join(' and ')})`;
    if (!matched.length) throw new CliError(`${verb}: no file matches ${pattern}${where}`, EXIT.usage);
    const regular = matched.filter(isRegularFile);
    if (!regular.length)
      throw new CliError(`${verb}: ${pattern} matches no regular file, only ${matched.slice(0, 3).join(', ')}${where}`, EXIT.usage);
    for (const path of regular) {
      const stat = statSync(path);
      if (stat.size > LIMITS.maxBlobBytes)
        throw new CliError(`${verb}: ${path} has ${stat.size} bytes; a file may have at most ${LIMITS.maxBlobBytes}`, EXIT.usage);
      const sha = createHash('sha3-224').update(readFileSync(path)).digest('hex');
      files.push({ path, name: basename(path), sha, size: stat.size, mode: stat.mode & 0o7777 });
    }
  }
  return files;
}

/** Blob SHA → local path, for the upload. */
export type Uploads = Map<string, string>;

/**
 * Resolves the sources of every file-transferring job (ADD, COPY) of `entries`: each such job
 * gets `files`, and `uploads` learns where each blob's content is. Jobs of other verbs, and
 * jobs whose string does not parse (the server reports those), are left alone.
 */
export function attachSources(
  entries: readonly EntrySubmission[],
  bases: readonly string[],
  lookup: (verb: string) => Component | undefined,
  uploads: Uploads,
): EntrySubmission[] {
  const cache = new Map<string, SourceFile[]>();
  return entries.map((entry) => ({
    ...entry,
    jobs: entry.jobs.map((job): JobSubmission => {
      if (job.files) return job;
      const component = lookup(job.verb);
      const patterns = jobSourcePatterns(component, job);
      if (!component || !patterns) return job;
      const key = JSON.stringify(patterns);
      let files = cache.get(key);
      if (!files) {
        const local = expandSources(component.verb, patterns, bases);
        for (const f of local) uploads.set(f.sha, f.path);
        files = local.map(({ name, sha, size, mode }) => ({ name, sha, size, mode }));
        cache.set(key, files);
      }
      return { ...job, files };
    }),
  }));
}

/** Uploads the blobs the server does not have yet, in pieces of at most LIMITS.blobChunkBytes. */
export async function uploadBlobs(client: UiClient, uploads: Uploads): Promise<void> {
  if (uploads.size === 0) return;
  const has = await client.request('blobs:has', REQUEST_TIMEOUT_MS, { shas: [...uploads.keys()] });
  if (!has.ok) throw new CliError(`Uploading files failed: ${formatWireError(has.error)}`);
  for (const sha of has.value.missing) {
    const path = uploads.get(sha);
    if (!path) continue;
    const data = readFileSync(path);
    const actual = createHash('sha3-224').update(data).digest('hex');
    if (actual !== sha) throw new CliError(`${path} changed while it was being sent; run the command again`);
    let offset = 0;
    do {
      const piece = data.subarray(offset, offset + LIMITS.blobChunkBytes);
      const put = await client.request('blobs:put', REQUEST_TIMEOUT_MS, {
        sha,
        size: data.length,
        offset,
        content: piece.toString('base64'),
      });
      if (!put.ok) throw new CliError(`Uploading ${path} failed: ${formatWireError(put.error)}`);
      offset += piece.length;
    } while (offset < data.length);
  }
}
