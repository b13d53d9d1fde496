/**
 * What the CLI does with the components locally, without a server: `--exec-help`, checking
 * orchestration job strings before anything is submitted, and `--finger-print` SHAs.
 * Only the built-in components are known here; the server is the authority (a verb it knows
 * from a user component is passed through unchecked, but cannot be fingerprinted).
 */
import type { EntrySubmission } from '../protocol/jobs.js';
import { formatWireError, type WireError } from '../protocol/result.js';
import { builtinComponents } from '../components/builtin/index.js';
import type { Component } from '../components/define.js';
import { createRegistry, type ComponentRegistry } from '../components/registry.js';
import { formatExecHelp } from '../components/exec-help.js';
import { jobSha, parseJob } from '../components/parse.js';
import { CliError, EXIT } from './errors.js';
import { renderFingerprint, type FingerprintRow } from './format/fingerprint.js';
import { write } from './output.js';

/** The loaded orchestration files, as `commands/orchestrate.ts` passes them. */
export type LoadedEntries = readonly Readonly<{ file: string; entries: readonly EntrySubmission[] }>[];

let registry: ComponentRegistry | null = null;

/** Verbs are case-sensitive as in Directord, but like the server we accept `run` for `RUN`. */
export function lookup(verb: string): Component | undefined {
  registry ??= createRegistry(builtinComponents);
  return registry.get(verb) ?? registry.get(verb.toUpperCase());
}

export function knownVerbs(): string[] {
  registry ??= createRegistry(builtinComponents);
  return registry.verbs();
}

function unknownVerb(verb: string): CliError {
  return new CliError(`Unknown verb ${verb}. Known verbs: ${knownVerbs().join(', ')}`, EXIT.usage);
}

/** `exec --verb V … --exec-help`: the component's usage and options on stdout. */
export function printExecHelp(verb: string): void {
  const component = lookup(verb);
  if (!component) throw unknownVerb(verb);
  const text = formatExecHelp(component);
  write(text.endsWith('\n') ? text : text + '\n');
}

type ParsedEntryJob = Readonly<{ file: number; entry: number; job: number; verb: string; text: string; sha: string | null; name?: string }>;

function located(
  error: WireError,
  file: string,
  entryIndex: number,
  jobIndex: number,
  verb: string,
  line?: number,
  column?: number,
): string {
  // The message names the verb and the option already; the field says which job it was.
  const field = `entries[${entryIndex}].jobs[${jobIndex}].${verb}`;
  return formatWireError({ ...error, location: { file, line, column, field } });
}

/** Parses every job of every file with the built-in components; throws CliError (exit 2) at the first bad job. */
function parseAll(files: LoadedEntries, requireKnown: boolean): ParsedEntryJob[] {
  const out: ParsedEntryJob[] = [];
  files.forEach(({ file, entries }, f) => {
    entries.forEach((entry, e) => {
      entry.jobs.forEach((job, j) => {
        const component = lookup(job.verb);
        if (!component) {
          if (requireKnown) {
            const where = job.location ? `${file}:${job.location.line}:${job.location.column}: ` : `${file}: `;
            throw new CliError(
              `${where}${unknownVerb(job.verb).message} (only built-in components can be fingerprinted locally)`,
              EXIT.usage,
            );
          }
          out.push({ file: f, entry: e, job: j, verb: job.verb, text: job.text, sha: null, name: job.name });
          return;
        }
        const parsed = parseJob(component, job.text, job.vars);
        if (!parsed.ok)
          throw new CliError(located(parsed.error, file, e, j, job.verb, job.location?.line, job.location?.column), EXIT.usage);
        let sha = parsed.value.sha;
        // ADD/COPY: the content SHAs of the resolved sources are part of the job SHA (bug 9.2 fixed).
        if (component.withFiles && job.files) {
          try {
            sha = jobSha(component.verb, component.withFiles(parsed.value.fields, job.files), parsed.value.common);
          } catch (error) {
            throw new CliError(
              located(
                { code: 'invalid-job', message: error instanceof Error ? error.message : String(error) },
                file,
                e,
                j,
                job.verb,
                job.location?.line,
                job.location?.column,
              ),
              EXIT.usage,
            );
          }
        }
        out.push({ file: f, entry: e, job: j, verb: job.verb, text: job.text, sha, name: job.name });
      });
    });
  });
  return out;
}

/** Checks every job string of built-in verbs before anything is submitted. */
export function checkJobs(files: LoadedEntries): void {
  parseAll(files, false);
}

/** `orchestrate --finger-print`: the table of spec 2.4, computed locally. */
export function fingerprintTable(files: LoadedEntries): string {
  const parsed = parseAll(files, true);
  const rows: FingerprintRow[] = parsed.map((p) => {
    const entry = files[p.file]?.entries[p.entry];
    return {
      parent: entry?.name ?? entry?.sha ?? '',
      verb: p.verb,
      exec: p.text,
      job: p.name ?? p.sha ?? '',
    };
  });
  return renderFingerprint(rows);
}
