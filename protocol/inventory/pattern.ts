/**
 * The host-pattern grammar (Ansible's, plus labels and facts), parsed into terms. Pure: the
 * console's live preview and the server's submit path share it.
 *
 *   pattern := term ((':' | ',') term)*     — with a ',' anywhere, only ',' separates (so a
 *                                              regex may hold ':'), as in Ansible
 *   term    := ('&' | '!')? atom slice?
 *   atom    := 'all' | '*' | NAME | GLOB | '~' REGEX | 'label:' KEY ('=' VALUE)? | 'fact:' KEY ('=' | '~') VALUE
 *   slice   := '[' INT ']' | '[' INT? ':' INT? ']'  — inclusive ends, negatives from the end (Ansible)
 */
import { fail, ok, type Result } from '../result.js';

export type Atom =
  | Readonly<{ kind: 'all' }>
  | Readonly<{ kind: 'name'; name: string }>
  | Readonly<{ kind: 'glob'; glob: string; re: RegExp }>
  | Readonly<{ kind: 'regex'; source: string; re: RegExp }>
  | Readonly<{ kind: 'label'; key: string; value: string | null }>
  | Readonly<{ kind: 'fact'; key: string; op: '=' | '~'; value: string; re: RegExp | null }>;

export type Slice = Readonly<{ start: number | null; end: number | null; single: boolean }>;

export type Term = Readonly<{ op: 'union' | 'and' | 'not'; atom: Atom; slice: Slice | null; text: string }>;

export const MAX_PATTERN_LENGTH = 4096;
const MAX_REGEX_LENGTH = 256;

const invalid = (pattern: string, why: string) => fail('invalid-pattern', `invalid target pattern "${pattern}": ${why}`);

/** Splits on the separators, keeping `[a:b]` slices and the colon after `label`/`fact` inside a term. */
export function splitPattern(pattern: string): string[] {
  if (pattern.includes(',')) return pattern.split(',').map((t) => t.trim());
  const terms: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ':' && depth === 0 && !/^[&!]?\s*(label|fact)$/.test(current.trim())) {
      terms.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  terms.push(current.trim());
  return terms;
}

/** A quantified group that holds a quantifier (`(a+)+`) can take exponential time on a name. */
function nestedQuantifier(source: string): boolean {
  return /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/.test(source);
}

function compileRegex(pattern: string, source: string): Result<RegExp> {
  if (!source) return invalid(pattern, 'an empty regular expression');
  if (source.length > MAX_REGEX_LENGTH) return invalid(pattern, `a regular expression may have at most ${MAX_REGEX_LENGTH} characters`);
  if (nestedQuantifier(source))
    return invalid(
      pattern,
      `the regular expression ${source} nests quantifiers (like (a+)+), which can take exponential time; simplify it`,
    );
  try {
    return ok(new RegExp(source));
  } catch (error) {
    return invalid(
      pattern,
      `the regular expression ${source} does not compile (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

function parseSlice(pattern: string, body: string): Result<Slice> {
  const int = (s: string) => (s === '' ? null : /^-?\d{1,9}$/.test(s) ? Number(s) : undefined);
  const parts = body.split(':');
  if (parts.length === 1) {
    const at = int(parts[0] as string);
    if (at === undefined || at === null) return invalid(pattern, `[${body}] is not an index; expected [N], [A:B], [A:] or [:B]`);
    return ok({ start: at, end: at, single: true });
  }
  if (parts.length === 2) {
    const start = int(parts[0] as string);
    const end = int(parts[1] as string);
    if (start !== undefined && end !== undefined) return ok({ start, end, single: false });
  }
  return invalid(pattern, `[${body}] is not a slice; expected [N], [A:B], [A:] or [:B]`);
}

function parseAtom(pattern: string, text: string): Result<Atom> {
  if (text === 'all' || text === '*') return ok({ kind: 'all' });
  if (text.startsWith('~')) {
    const re = compileRegex(pattern, text.slice(1));
    return re.ok ? ok({ kind: 'regex', source: text.slice(1), re: re.value }) : re;
  }
  const label = /^label:([^=~\s]+)(?:=(.*))?$/.exec(text);
  if (label) return ok({ kind: 'label', key: label[1] as string, value: label[2] ?? null });
  if (text.startsWith('label:')) return invalid(pattern, `${text}: expected label:KEY or label:KEY=VALUE`);
  const fact = /^fact:([^=~\s]+)([=~])(.*)$/.exec(text);
  if (fact) {
    const [, key, op, value] = fact as unknown as [string, string, '=' | '~', string];
    if (op === '=') return ok({ kind: 'fact', key, op, value, re: null });
    const re = compileRegex(pattern, value);
    return re.ok ? ok({ kind: 'fact', key, op, value, re: re.value }) : re;
  }
  if (text.startsWith('fact:')) return invalid(pattern, `${text}: expected fact:KEY=VALUE (exact) or fact:KEY~REGEX`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\s\x00-\x1f\x7f]/.test(text)) return invalid(pattern, `"${text}" holds whitespace or a control character`);
  if (/[*?]/.test(text)) return ok({ kind: 'glob', glob: text, re: globToRegExp(text) });
  if (/[[\]&!~=]/.test(text)) return invalid(pattern, `"${text}" is not a host or group name (unexpected ${/[[\]&!~=]/.exec(text)?.[0]})`);
  return ok({ kind: 'name', name: text });
}

/** Parses a pattern into its terms, or says which term is wrong and what was expected. */
export function parsePattern(pattern: string): Result<readonly Term[]> {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return invalid(pattern.slice(0, 64) + '…', `a pattern may have at most ${MAX_PATTERN_LENGTH} characters`);
  if (!pattern.trim()) return invalid(pattern, 'the pattern is empty');
  const terms: Term[] = [];
  for (const raw of splitPattern(pattern)) {
    if (!raw) return invalid(pattern, 'an empty term (two separators in a row, or one at an end)');
    const op = raw.startsWith('&') ? 'and' : raw.startsWith('!') ? 'not' : 'union';
    let text = (op === 'union' ? raw : raw.slice(1)).trim();
    if (!text) return invalid(pattern, `"${raw}" has an operator but no host, group or selector`);
    let slice: Slice | null = null;
    // A regex keeps its brackets (character classes); other atoms may end with a slice.
    const subscript = text.startsWith('~') ? null : /^(.*[^[])\[([^\]]*)\]$/.exec(text);
    if (subscript) {
      const parsed = parseSlice(pattern, subscript[2] as string);
      if (!parsed.ok) return parsed;
      slice = parsed.value;
      text = subscript[1] as string;
    }
    const atom = parseAtom(pattern, text);
    if (!atom.ok) return atom;
    terms.push({ op, atom: atom.value, slice, text: raw });
  }
  return ok(terms);
}
