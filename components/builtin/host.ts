/**
 * Shared by the components that drive host tools (dnf, systemctl, podman, semanage, facter)
 * through `ctx.exec`: shell quoting, the "is the tool installed" check, failures, and the
 * server-side checks of mutually exclusive options and option-like positionals.
 */
import { defaultFlag } from '../argv.js';
import { ArgumentError, type ComponentContext, type ComponentResult } from '../define.js';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for `/bin/sh`, as Python's `shlex.quote`: safe words stay bare, others are single-quoted. */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** A command line from words, each quoted with {@link shellQuote}. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** `command -v TOOL` on the target (unstreamed, with the ENV cache): whether the tool is on its PATH. */
export async function hasTool(ctx: ComponentContext, tool: string): Promise<boolean> {
  const found = await ctx.exec(`command -v ${shellQuote(tool)}`, { stream: false });
  return found.exitCode === 0;
}

/** The standard failure when a required tool is missing on the target. */
export function toolMissing(ctx: ComponentContext, tool: string, hint?: string): ComponentResult {
  return failure(ctx, `${tool} is not installed on this host${hint ? ` (${hint})` : ''}`);
}

/** A failed result whose message goes to stderr and INFO. */
export function failure(ctx: ComponentContext, message: string, exitCode?: number | null): ComponentResult {
  ctx.write('stderr', `${message}\n`);
  return { ok: false, info: message, ...(exitCode !== undefined ? { exitCode } : {}) };
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

/**
 * Server part: which one of the options `names` is set in `parsed`. Throws an
 * {@link ArgumentError} naming the options when several are set, or none and `required`.
 */
export function exclusiveOption<K extends string>(
  verb: string,
  parsed: Readonly<Record<string, unknown>>,
  names: readonly K[],
  required: boolean,
): K | undefined {
  const set = names.filter((name) => isSet(parsed[name]));
  if (set.length > 1) throw new ArgumentError(`${verb}: ${set.map(defaultFlag).join(' and ')} cannot be used together`, set[1]);
  if (set.length === 0 && required) throw new ArgumentError(`${verb}: one of ${orList(names.map(defaultFlag))} is required`, names[0]);
  return set[0];
}

/** Server part: option `name` is only meaningful with `mode`; throws when it is set without it. */
export function onlyWith(verb: string, parsed: Readonly<Record<string, unknown>>, name: string, active: boolean, modes: string): void {
  if (isSet(parsed[name]) && !active) throw new ArgumentError(`${verb}: ${defaultFlag(name)} only applies to ${modes}`, name);
}

/**
 * Server part: positionals must not look like options. Options are read only before the
 * first positional, so `DNF vim --latest` would otherwise pass `--latest` to dnf as a package.
 */
export function rejectOptionLike(verb: string, field: string, what: string, items: readonly string[]): void {
  const bad = items.find((item) => item.startsWith('-'));
  if (bad !== undefined) {
    throw new ArgumentError(`${verb}: ${what} ${JSON.stringify(bad)} looks like an option; options go before the ${what}s`, field);
  }
}
