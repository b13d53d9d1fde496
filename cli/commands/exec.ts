/**
 * `directord exec --verb V [--target T…] [--poll|--wait|--stream] [--check] [--force-async] STRING…`
 * (spec 2.2). The words are joined with single spaces into the job string; the server parses it.
 * `--exec-help` anywhere in the string prints the verb's help without contacting a server.
 */
import type { RunSubmission } from '../../protocol/jobs.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';
import { submitAndReport, type ReportOptions } from './report.js';

export type ExecOptions = ReportOptions & Readonly<{ verb: string; target?: string[]; forceAsync?: boolean }>;

/** `--target a b --target a` → `[a, b]` (Directord deduplicates). */
export function uniqueTargets(targets: readonly string[] | undefined): string[] | undefined {
  if (!targets || targets.length === 0) return undefined;
  return [...new Set(targets.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean))];
}

export function execSubmission(verb: string, text: string, options: Pick<ExecOptions, 'target' | 'forceAsync'>): RunSubmission {
  const targets = uniqueTargets(options.target);
  return {
    kind: 'exec',
    entries: [{ jobs: [{ verb, text }] }],
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
  return submitAndReport([execSubmission(options.verb, text, options)], options, ctx);
}
