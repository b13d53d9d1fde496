/**
 * Job string ⇄ form values: the inverse of the server's schema parser (components/parse.ts).
 * Options come first (common options, then the component's), then positionals / rest:
 * `--skip-cache --retry 2 echo hi`. Parsing keeps values as typed text so the form can show
 * (and flag) input that is not valid yet.
 */
import { tokenize } from '#components/tokenize.js';
import { emptyValue, type FieldValue, type FormField, type FormValues } from './fields.js';

export type ParsedValues = Readonly<{
  values: FormValues;
  /** Options written explicitly in the text (kept even when equal to their default). */
  present: ReadonlySet<string>;
}>;

export type ParseOutcome = { ok: true; parsed: ParsedValues } | { ok: false; message: string };

export function defaultValues(fields: readonly FormField[]): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const f of fields) values[f.name] = emptyValue(f);
  return values;
}

/** Reads a job string into values for `fields` (component + common). */
export function parseJobString(fields: readonly FormField[], text: string): ParseOutcome {
  const values = defaultValues(fields);
  const present = new Set<string>();
  const byFlag = new Map(fields.filter((f) => f.flag !== '').map((f) => [f.flag, f]));
  const tokens = tokenize(text);
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as (typeof tokens)[number];
    if (token.quoted || !token.value.startsWith('--')) break;
    i++;
    if (token.value === '--') break;
    const eq = token.value.indexOf('=');
    const flag = eq < 0 ? token.value : token.value.slice(0, eq);
    const field = byFlag.get(flag);
    if (!field) return { ok: false, message: `Unknown option ${flag}` };
    const repeated = present.has(field.name);
    present.add(field.name);
    if (field.kind === 'boolean') {
      values[field.name] = true;
      continue;
    }
    const raw: string[] = eq >= 0 ? [token.value.slice(eq + 1)] : [];
    if (eq < 0 && field.kind === 'array') {
      while (i < tokens.length && !(tokens[i]?.value.startsWith('--') && !tokens[i]?.quoted)) raw.push(tokens[i++]?.value ?? '');
    } else if (eq < 0 && i < tokens.length) raw.push(tokens[i++]?.value ?? '');
    if (raw.length === 0) return { ok: false, message: `${flag} expects a value` };
    const previous = values[field.name];
    values[field.name] = field.kind === 'array' ? [...(repeated && Array.isArray(previous) ? previous : []), ...raw] : (raw[0] ?? '');
  }
  for (const field of fields.filter((f) => f.flag === '')) {
    if (i >= tokens.length) break;
    present.add(field.name);
    if (field.argv === 'rest') {
      values[field.name] = text.slice(tokens[i]?.start ?? text.length).trimEnd();
      i = tokens.length;
    } else if (field.argv === 'positionals') {
      values[field.name] = tokens.slice(i).map((t) => t.value);
      i = tokens.length;
    } else {
      values[field.name] = tokens[i]?.value ?? '';
      i++;
    }
  }
  if (i < tokens.length) return { ok: false, message: `Unexpected argument ${tokens[i]?.value ?? ''}` };
  return { ok: true, parsed: { values, present } };
}

const SAFE = /^[A-Za-z0-9_@%+=:,./{}~^*?[\]-]+$/;

/** Quotes a value for the job-string tokenizer (POSIX-shell rules). */
export function quoteArg(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

function isDefault(field: FormField, value: FieldValue): boolean {
  if (field.default === undefined) return value === '' || (Array.isArray(value) && value.length === 0);
  if (Array.isArray(field.default) && Array.isArray(value)) return field.default.join('\u0000') === value.join('\u0000');
  return String(field.default) === String(value);
}

function order(set: ReadonlySet<string>, name: string): number {
  let i = 0;
  for (const item of set) {
    if (item === name) return i;
    i++;
  }
  return i;
}

/**
 * Writes values back as a job string. An option is written when it differs from its default,
 * or when the text it came from had it (`present`), so a round trip keeps what the user wrote.
 */
export function formatJobString(fields: readonly FormField[], values: FormValues, present: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  // Options the text already had keep their order; new ones follow (common first, then the component's).
  const withFlag = fields.filter((f) => f.flag !== '');
  const written = withFlag.filter((f) => present.has(f.name)).sort((a, b) => order(present, a.name) - order(present, b.name));
  const ordered = [
    ...written,
    ...withFlag.filter((f) => f.common && !present.has(f.name)),
    ...withFlag.filter((f) => !f.common && !present.has(f.name)),
  ];
  for (const field of ordered) {
    if (field.name === 'exec_help') continue;
    const value = values[field.name] ?? emptyValue(field);
    if (field.kind === 'boolean') {
      if (value === true) parts.push(field.flag);
      continue;
    }
    const empty = value === '' || (Array.isArray(value) && value.length === 0);
    if (empty || (isDefault(field, value) && !present.has(field.name))) continue;
    // `--flag=v` per item when possible, so a list option cannot swallow the positionals after it.
    if (Array.isArray(value) && value.every((v) => quoteArg(v) === v)) parts.push(...value.map((v) => `${field.flag}=${v}`));
    else if (Array.isArray(value)) parts.push(field.flag, ...value.map(quoteArg));
    else parts.push(field.flag, quoteArg(String(value)));
  }
  for (const field of fields.filter((f) => f.flag === '')) {
    const value = values[field.name] ?? emptyValue(field);
    if (field.argv === 'rest') {
      if (typeof value === 'string' && value.trim() !== '') parts.push(value.trim());
    } else if (Array.isArray(value)) parts.push(...value.map(quoteArg));
    else if (typeof value === 'string' && value !== '') parts.push(quoteArg(value));
  }
  return parts.join(' ');
}
