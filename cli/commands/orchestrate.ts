/**
 * `directord orchestrate FILE… [--target T…] [--restrict SHA…] [--ignore-cache] [--force-async]
 * [--poll|--wait|--stream|--finger-print] [--check]` (spec 2.2, 3.1–3.2).
 * Every file is read and checked before anything is sent: a malformed file prints
 * `file:line:column: field: message` and exits 2 with nothing submitted. Files then run in
 * order, one run per file. `--finger-print` computes the job SHAs locally and sends nothing.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EntrySubmission, RunSubmission } from '../../protocol/jobs.js';
import { formatWireError } from '../../protocol/result.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { write } from '../output.js';
import { uniqueTargets } from './exec.js';
import { submitAndReport, type ReportOptions } from './report.js';

export type OrchestrateOptions = ReportOptions &
  Readonly<{
    target?: string[];
    restrict?: string[];
    ignoreCache?: boolean;
    forceAsync?: boolean;
    fingerPrint?: boolean;
    concurrency?: number;
    plan?: boolean;
  }>;

export type LoadedFile = Readonly<{ file: string; path: string; text: string; entries: EntrySubmission[] }>;

/**
 * The file's text; bytes that are not UTF-8 are an error naming where (Node would silently turn
 * them into U+FFFD, and the job would run with a mangled command).
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Only on the error path: feed byte by byte to find the first one that cannot be UTF-8.
    const stream = new TextDecoder('utf-8', { fatal: true });
    let good = 0;
    try {
      for (; good < bytes.length; good++) stream.decode(bytes.subarray(good, good + 1), { stream: true });
      stream.decode();
    } catch {
      /* `good` is the offending byte */
    }
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, good));
    const lines = before.split('\n');
    const line = lines.length;
    const column = (lines[lines.length - 1]?.length ?? 0) + 1;
    const what =
      good < bytes.length
        ? `byte 0x${(bytes[good] ?? 0).toString(16).padStart(2, '0')} at offset ${good}`
        : 'the file ends inside a character';
    throw new CliError(`${file}:${line}:${column}: not valid UTF-8 (${what}); save the file as UTF-8`, EXIT.usage);
  }
}

/** Reads and parses each file (paths relative to the CLI's cwd); throws CliError (exit 2) on the first bad one. */
export async function loadFiles(files: readonly string[]): Promise<LoadedFile[]> {
  const { loadOrchestration } = await import('../../components/orchestration.js');
  const loaded: LoadedFile[] = [];
  for (const file of files) {
    const path = resolve(file);
    let text: string;
    try {
      text = decodeUtf8(readFileSync(path), file);
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(
        code === 'ENOENT' ? `The [ ${path} ] file was not found.` : `Cannot read ${path}: ${(error as Error).message}`,
        EXIT.usage,
      );
    }
    const result = loadOrchestration(text, file);
    if (!result.ok) throw new CliError(formatWireError(result.error), EXIT.usage);
    loaded.push({ file, path, text, entries: result.value.entries });
  }
  return loaded;
}

export function orchestrateSubmission(file: LoadedFile, options: OrchestrateOptions): RunSubmission {
  const targets = uniqueTargets(options.target);
  return {
    kind: 'orchestrate',
    source: file.path,
    sourceText: file.text,
    entries: file.entries,
    ...(targets ? { targets } : {}),
    ...(options.restrict?.length ? { restrict: [...new Set(options.restrict)] } : {}),
    ...(options.ignoreCache ? { ignoreCache: true } : {}),
    ...(options.forceAsync ? { forceAsync: true } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    requestedBy: 'cli',
  };
}

const SHA3_224 = /^[0-9a-f]{56}$/;

export async function runOrchestrate(files: readonly string[], options: OrchestrateOptions, ctx: CliContext): Promise<number> {
  const badSha = options.restrict?.find((sha) => !SHA3_224.test(sha));
  if (badSha !== undefined)
    throw new CliError(`--restrict: ${badSha} is not a job SHA3-224 (56 hex digits; see --finger-print)`, EXIT.usage);
  const { checkJobs, fingerprintTable, lookup } = await import('../components.js');
  const read = await loadFiles(files);
  checkJobs(read);
  // ADD/COPY sources: relative to the orchestration file's folder first, then the working directory.
  const { attachSources } = await import('../transfer.js');
  const uploads = new Map<string, string>();
  const loaded = read.map((file) => ({
    ...file,
    entries: attachSources(file.entries, [dirname(file.path), process.cwd()], lookup, uploads),
  }));
  if (options.fingerPrint) {
    write(fingerprintTable(loaded) + '\n');
    return EXIT.ok;
  }
  if (options.plan) {
    const { printPlans } = await import('./plan.js');
    return printPlans(
      loaded.map((file) => ({ file: file.file, submission: orchestrateSubmission(file, options) })),
      ctx,
      uploads,
    );
  }
  return submitAndReport(
    loaded.map((file) => orchestrateSubmission(file, options)),
    options,
    ctx,
    uploads,
  );
}
