/**
 * `directord exec --verb V [--target T…] [--poll|--wait|--stream] [--check] [--force-async] STRING…`
 * (spec 2.2). The words are joined with single spaces into the job string; the server parses it.
 * `--exec-help` anywhere in the string prints the verb's help without contacting a server.
 * The rollout flags (`--serial`, `--max-fail-percentage`, `--pause`, `--approve`, `--order`,
 * `--concurrency`; rollout-flags.ts) make the exec's one entry a rollout, as the entry keys do.
 */
import { parsePattern } from '../../protocol/inventory/pattern.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { submitAndReport, type ReportOptions } from './report.js';
import { hasRolloutFlags, rolloutEntryKeys, type RolloutFlags } from './rollout-flags.js';

export type ExecOptions = ReportOptions & RolloutFlags & Readonly<{ verb: string; target?: string[]; forceAsync?: boolean }>;

/** Verbs whose sources the CLI reads and uploads (components with `sourcePatterns`). */
const FILE_VERBS = new Set(['ADD', 'COPY']);

/** Agent identities, as the protocol accepts them (IdentitySchema). */
const IDENTITY = /^[A-Za-z0-9_.:@-]{1,253}$/;

/**
 * `--target a b --target a` → `[a, b]` (Directord deduplicates; `a,b` is split too). Anything
 * else is a host pattern (`web:!web-3`, `label:env=prod`), kept whole and checked here so a typo
 * is a usage error naming it; the server resolves it against the inventory.
 */
export function uniqueTargets(targets: readonly string[] | undefined): string[] | undefined {
  if (!targets || targets.length === 0) return undefined;
  const unique = [
    ...new Set(
      targets
        .flatMap((t) => (t.split(',').every((x) => IDENTITY.test(x.trim()) || !x.trim()) ? t.split(',') : [t]))
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  for (const t of unique) {
    if (IDENTITY.test(t)) continue;
    const parsed = parsePattern(t);
    if (!parsed.ok)
      throw new CliError(`--target: ${JSON.stringify(t)} is not a valid target name or pattern (${parsed.error.message})`, EXIT.usage);
  }
  return unique;
}

/** `rollout`: the entry keys from the rollout flags (rolloutEntryKeys). */
export function execSubmission(
  verb: string,
  text: string,
  options: Pick<ExecOptions, 'target' | 'forceAsync'>,
  rollout: Omit<RunSubmission['entries'][number], 'jobs'> = {},
): RunSubmission {
  const targets = uniqueTargets(options.target);
  return {
    kind: 'exec',
    entries: [{ ...rollout, jobs: [{ verb, text }] }],
    ...(targets ? { targets } : {}),
    ...(options.forceAsync ? { forceAsync: true } : {}),
    requestedBy: 'cli',
  };
}

export async function runExec(words: readonly string[], options: ExecOptions, ctx: CliContext): Promise<number> {
  const text = words.join(' ');
  if (text.split(/\s+/).includes('--exec-help')) {
    const { printExecHelp } = await import('../components.js');
    printExecHelp(options.verb);
    return EXIT.ok;
  }
  // Checked before anything is sent: a bad value is a usage error naming its flag.
  const rollout = hasRolloutFlags(options) ? await rolloutEntryKeys(options) : {};
  const submission = execSubmission(options.verb, text, options, rollout);
  // Only the file-transferring verbs need the components here (keeps `exec` start-up lean).
  if (!FILE_VERBS.has(options.verb.toUpperCase())) return submitAndReport([submission], options, ctx);
  const { lookup } = await import('../components.js');
  // ADD/COPY: sources relative to the working directory, uploaded before the job is submitted.
  const { attachSources } = await import('../transfer.js');
  const uploads = new Map<string, string>();
  const entries = attachSources(submission.entries, [process.cwd()], lookup, uploads);
  return submitAndReport([{ ...submission, entries }], options, ctx, uploads);
}
