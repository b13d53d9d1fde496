/** From the builder model to a RunSubmission, and what blocks a deploy (pure, tested). */
import type { ComponentManifest } from '#protocol/agents.js';
import type { EntrySubmission, RunSubmission } from '#protocol/jobs.js';
import type { OrchestrationModel } from '../yaml/model.js';
import { stepProblems } from '../schema-form/step-form.js';
import { loadOrchestration } from '#components/orchestration.js';
import { formatWireError } from '#protocol/result.js';
import { missingSourceMessage, missingSources, type Attachments } from './sources.js';
import { describeUnknown } from '#protocol/names.js';

export type Problem = Readonly<{ entry: number; job: number | null; message: string }>;

/**
 * Everything wrong with the orchestration, in order (empty = deployable). When the builder finds
 * nothing, `source` is also checked with the loader the server and CLI use (components/orchestration.ts).
 */
export function deployProblems(
  model: OrchestrationModel,
  manifest: (verb: string) => ComponentManifest | undefined,
  yamlErrors: number,
  source?: Readonly<{ text: string; fileName: string }>,
  attachments?: Attachments,
  /** Every host the server knows (online or not); named targets outside it block deploy, as the server refuses them. */
  known?: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  if (yamlErrors > 0) problems.push({ entry: -1, job: null, message: 'The YAML has errors' });
  if (model.entries.length === 0) problems.push({ entry: -1, job: null, message: 'Add a step to deploy' });
  model.entries.forEach((entry, e) => {
    if (entry.jobs.length === 0) problems.push({ entry: e, job: null, message: `Entry ${e + 1} has no steps` });
    entry.jobs.forEach((job, j) => {
      for (const message of stepProblems(manifest(job.verb), job.verb, job.text))
        problems.push({ entry: e, job: j, message: `Step ${j + 1} (${job.verb}): ${message}` });
    });
  });
  if (attachments) {
    for (const m of missingSources(model, attachments)) {
      if (problems.some((p) => p.entry === m.entry && p.job === m.job)) continue;
      problems.push({ entry: m.entry, job: m.job, message: missingSourceMessage(m, model.entries[m.entry]?.name) });
    }
  }
  if (known) problems.push(...unknownTargetProblems(model, known));
  if (problems.length === 0 && source) {
    const loaded = loadOrchestration(source.text, source.fileName);
    if (!loaded.ok) problems.push({ entry: -1, job: null, message: formatWireError(loaded.error) });
  }
  return problems;
}

/** Entry targets and step `assign` lists naming hosts the server does not know, with the closest known names. */
export function unknownTargetProblems(model: OrchestrationModel, known: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const unknownOf = (names: readonly string[] | undefined) => [...new Set((names ?? []).filter((n) => !known.includes(n)))];
  model.entries.forEach((entry, e) => {
    const bad = unknownOf(entry.targets);
    const label = entry.name ? `Entry ${e + 1} (${entry.name})` : `Entry ${e + 1}`;
    if (bad.length)
      problems.push({
        entry: e,
        job: null,
        message: `${label}: unknown target${bad.length > 1 ? 's' : ''} ${describeUnknown(bad, known)}`,
      });
    entry.jobs.forEach((job, j) => {
      const badJob = unknownOf(job.assign);
      if (badJob.length)
        problems.push({
          entry: e,
          job: j,
          message: `Step ${j + 1} (${job.verb}): unknown target${badJob.length > 1 ? 's' : ''} ${describeUnknown(badJob, known)}`,
        });
    });
  });
  return problems;
}

/** The hosts each entry will run on: its own targets, else the selected hosts, else every online host. */
export function entryHosts(
  entryTargets: readonly string[] | undefined,
  selected: readonly string[],
  online: readonly string[],
): readonly string[] {
  if (entryTargets && entryTargets.length) return entryTargets;
  return selected.length ? selected : online;
}

export function deploySummary(
  model: OrchestrationModel,
  selected: readonly string[],
  online: readonly string[],
): { steps: number; hosts: number; names: string[] } {
  const hosts = new Set<string>();
  let steps = 0;
  for (const entry of model.entries) {
    steps += entry.jobs.length;
    for (const h of entryHosts(entry.targets, selected, online)) hosts.add(h);
    for (const job of entry.jobs) for (const h of job.assign ?? []) hosts.add(h);
  }
  return { steps, hosts: hosts.size, names: [...hosts] };
}

/** The rollout keys of each entry as the loader reads them from the text (issue #17). */
function rolloutKeysOf(sourceText: string, source: string): Partial<EntrySubmission>[] {
  const loaded = loadOrchestration(sourceText, source);
  if (!loaded.ok) return [];
  return loaded.value.entries.map((e) => {
    const keys: Partial<EntrySubmission> = {};
    for (const k of ['serial', 'order', 'maxFailPercentage', 'pause', 'approve', 'concurrency'] as const)
      if (e[k] !== undefined) Object.assign(keys, { [k]: e[k] });
    return keys;
  });
}

/**
 * The submission for `runs:submit`; selected hosts stand in for entries without targets.
 * `libraryId`: the builder holds a Library item (opened from, or saved to, the Library; unsaved
 * edits included), so the run is of that item and waits for none: the server refuses it while
 * another run of the item is unfinished, unless the item allows simultaneous runs.
 */
export function buildSubmission(
  model: OrchestrationModel,
  options: { selected: readonly string[]; source: string; sourceText: string; libraryId?: string | null },
): RunSubmission {
  const rollout = rolloutKeysOf(options.sourceText, options.source);
  return {
    kind: 'orchestrate',
    source: options.source,
    sourceText: options.sourceText,
    requestedBy: 'console',
    ...(options.libraryId ? { libraryId: options.libraryId } : {}),
    entries: model.entries.map((entry, index) => {
      const targets =
        entry.targets && entry.targets.length ? [...entry.targets] : options.selected.length ? [...options.selected] : undefined;
      return {
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        ...(targets ? { targets } : {}),
        ...(entry.async ? { async: true } : {}),
        ...(rollout[index] ?? {}),
        location: { line: entry.line, column: entry.column },
        jobs: entry.jobs.map((job) => ({
          verb: job.verb,
          text: job.text,
          ...(job.name !== undefined ? { name: job.name } : {}),
          ...(job.assign ? { assign: [...job.assign] } : {}),
          ...(job.vars ? { vars: { ...job.vars } } : {}),
          location: { line: job.line, column: job.column },
        })),
      };
    }),
  };
}
