/**
 * The server part shared by every component: a job string (spec 3.3) becomes job
 * fields, common options, template vars and the job SHA (spec 1.4), driven by the
 * component's schema. Differences from Directord's argparse: options are recognised
 * only before the first positional (so `RUN curl --retry 3 x` keeps its `--retry`),
 * `rest` is verbatim (whitespace kept), unknown options are an error (bug 9.5 fixed).
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fail, ok, type Result, type WireError } from '../protocol/result.js';
import { argvSpecs, isPositional, type ArgvSpec } from './argv.js';
import { coerceString, coerceVar, describeSchemaError, quoteValue } from './coerce.js';
import { commonArgsFor } from './common-args.js';
import { ArgumentError, type Component } from './define.js';
import { objectSha3_224 } from './sha.js';
import { tokenize, type Token } from './tokenize.js';

export { tokenize, type Token } from './tokenize.js';

export type CommonOptions = Readonly<{
  skip_cache: boolean;
  run_once: boolean;
  timeout: number;
  force_lock: boolean;
  stdout_arg?: string;
  stderr_arg?: string;
  exec_help: boolean;
}>;

export type ParsedJob = Readonly<{
  verb: string;
  /** Component job fields, key order = job SHA order. */
  fields: Record<string, unknown>;
  common: CommonOptions;
  /** `vars` entries that are not options: extra template variables for the agent. */
  templateVars: Record<string, unknown>;
  /** job_sha3_224 exactly as spec 1.4: verb, stdout_arg/stderr_arg if set, fields, timeout, run_once. */
  sha: string;
}>;

/** The object whose Python JSON is hashed into the job SHA (spec 1.4), in Directord's key order. */
export function jobShaInput(verb: string, fields: Readonly<Record<string, unknown>>, common: CommonOptions): Record<string, unknown> {
  const input: Record<string, unknown> = { verb };
  if (common.stdout_arg) input.stdout_arg = common.stdout_arg;
  if (common.stderr_arg) input.stderr_arg = common.stderr_arg;
  Object.assign(input, fields);
  input.timeout = common.timeout;
  input.run_once = common.run_once;
  return input;
}

export function jobSha(verb: string, fields: Readonly<Record<string, unknown>>, common: CommonOptions): string {
  return objectSha3_224(jobShaInput(verb, fields, common));
}

type Failure = { ok: false; error: WireError };
type Parsed = { component: Record<string, unknown>; common: Record<string, unknown> };

function label(spec: ArgvSpec): string {
  return isPositional(spec) ? spec.metavar : spec.flag;
}

function invalid(verb: string, spec: ArgvSpec | string, problem: string): Failure {
  const name = typeof spec === 'string' ? spec : spec.name;
  const what = typeof spec === 'string' ? spec : label(spec);
  return fail('invalid-job', `${verb}: ${what} ${problem}`, { location: { field: name } });
}

type FlagTable = Map<string, { spec: ArgvSpec; target: 'component' | 'common' }>;

/** Reads options up to the first positional (or `--`); returns the index of the next token. */
function readOptions(verb: string, tokens: readonly Token[], byFlag: FlagTable, out: Parsed): number | Failure {
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.quoted || !token.value.startsWith('--')) break;
    i++;
    if (token.value === '--') break;
    const eq = token.value.indexOf('=');
    const flag = eq < 0 ? token.value : token.value.slice(0, eq);
    const inline = eq < 0 ? undefined : token.value.slice(eq + 1);
    const entry = byFlag.get(flag);
    if (!entry) return fail('unknown-option', `${verb}: unknown option ${flag}`, { location: { field: flag } });
    const { spec, target } = entry;
    if (spec.name === 'exec_help') {
      out.common.exec_help = true;
      return tokens.length;
    }
    if (spec.kind === 'flag') {
      if (inline !== undefined) return invalid(verb, spec, `takes no value, got ${quoteValue(inline)}`);
      out[target][spec.name] = true;
      continue;
    }
    const isArray = spec.schema.type === 'array';
    const raw: string[] = [];
    if (inline !== undefined) raw.push(inline);
    else if (isArray) while (i < tokens.length && (tokens[i]!.quoted || !tokens[i]!.value.startsWith('--'))) raw.push(tokens[i++]!.value);
    else if (i < tokens.length) raw.push(tokens[i++]!.value);
    if (raw.length === 0) return invalid(verb, spec, 'expects a value');
    const values: unknown[] = [];
    for (const text of raw) {
      const coerced = coerceString(text, isArray ? spec.schema.items : spec.schema);
      if (!coerced.ok) return invalid(verb, spec, coerced.problem);
      values.push(coerced.value);
    }
    const previous = out[target][spec.name];
    out[target][spec.name] = isArray ? [...(Array.isArray(previous) ? previous : []), ...values] : values[0];
  }
  return i;
}

/** Reads positionals from token `start`: one token each, then `positionals` (shell-split) or `rest` (verbatim). */
function readPositionals(
  verb: string,
  text: string,
  tokens: readonly Token[],
  start: number,
  own: ArgvSpec[],
  out: Parsed,
): Failure | null {
  let i = start;
  for (const spec of own.filter(isPositional)) {
    if (i >= tokens.length) break;
    if (spec.kind === 'rest') {
      out.component[spec.name] = text.slice(tokens[i]!.start).trimEnd();
      i = tokens.length;
    } else if (spec.kind === 'positionals') {
      const rest = tokens.slice(i);
      if (rest.some((t) => t.unterminated)) return invalid(verb, spec, 'has an unterminated quote');
      const items: unknown[] = [];
      for (const t of rest) {
        const coerced = coerceString(t.value, (spec.schema.items ?? {}) as TSchema);
        if (!coerced.ok) return invalid(verb, spec, coerced.problem);
        items.push(coerced.value);
      }
      out.component[spec.name] = items;
      i = tokens.length;
    } else {
      const coerced = coerceString(tokens[i]!.value, spec.schema);
      if (!coerced.ok) return invalid(verb, spec, coerced.problem);
      out.component[spec.name] = coerced.value;
      i++;
    }
  }
  return i < tokens.length ? fail('invalid-job', `${verb}: unexpected argument ${quoteValue(tokens[i]!.value)}`) : null;
}

/** Reads options, then positionals, from the job string. */
function readArgv(verb: string, text: string, own: ArgvSpec[], common: ArgvSpec[]): Parsed | Failure {
  const byFlag: FlagTable = new Map();
  for (const spec of common) if (!isPositional(spec)) byFlag.set(spec.flag, { spec, target: 'common' });
  for (const spec of own) if (!isPositional(spec)) byFlag.set(spec.flag, { spec, target: 'component' });
  const out: Parsed = { component: {}, common: {} };
  const tokens = tokenize(text);
  const next = readOptions(verb, tokens, byFlag, out);
  if (typeof next !== 'number') return next;
  if (out.common.exec_help === true) return out;
  return readPositionals(verb, text, tokens, next, own, out) ?? out;
}

/** Fills defaults in schema order and drops properties that stay undefined. */
function withDefaults(specs: ArgvSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = values[spec.name] ?? (spec.schema.default as unknown);
    if (value !== undefined) out[spec.name] = structuredCloneJson(value);
  }
  return out;
}

function structuredCloneJson(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? (JSON.parse(JSON.stringify(value)) as unknown) : value;
}

function validate(
  verb: string,
  schema: TObject,
  specs: ArgvSpec[],
  values: Record<string, unknown>,
  fromVars: ReadonlySet<string>,
): Failure | null {
  if (Value.Check(schema, values)) return null;
  const first = Value.Errors(schema, values).First();
  if (!first) return fail('invalid-job', `${verb}: invalid arguments`);
  const name = first.path.split('/')[1] ?? '';
  const spec = specs.find((s) => s.name === name);
  if (!spec) return fail('invalid-job', `${verb}: ${name || 'arguments'} ${first.message}`);
  if (first.value === undefined) return fail('invalid-job', `${verb}: missing ${label(spec)}`, { location: { field: spec.name } });
  return invalid(verb, fromVars.has(name) ? `vars.${name}` : spec, describeSchemaError(first));
}

type Prepared = Readonly<{ commonSchema: TObject; own: ArgvSpec[]; commonSpecs: ArgvSpec[] }>;
const prepared = new WeakMap<Component, Prepared>();

/** The argv view of a component and its common options, computed once per component. */
function prepare(component: Component): Prepared {
  let p = prepared.get(component);
  if (!p) {
    const commonSchema = commonArgsFor(component);
    p = { commonSchema, own: argvSpecs(component.args), commonSpecs: argvSpecs(commonSchema) };
    prepared.set(component, p);
  }
  return p;
}

/**
 * Parses `text` (the job string, e.g. `--retry 2 echo hi`) for `component`, applies the
 * orchestration job's `vars` and the component's `toJob`. When `--exec-help` is present
 * the result has `common.exec_help` set and nothing else is checked: callers print
 * `formatExecHelp(component)` instead of submitting.
 */
export function parseJob(component: Component, text: string, vars?: Readonly<Record<string, unknown>>): Result<ParsedJob> {
  const verb = component.verb;
  const { commonSchema, own, commonSpecs } = prepare(component);
  const read = readArgv(verb, text, own, commonSpecs);
  if ('ok' in read) return read;
  const fromVars = new Set<string>();
  if (read.common.exec_help === true) {
    const common = withDefaults(commonSpecs, read.common) as CommonOptions;
    const fields = withDefaults(own, {});
    return ok({ verb, fields, common, templateVars: {}, sha: jobSha(verb, fields, common) });
  }
  const templateVars: Record<string, unknown> = {};
  const ownNames = new Map(own.map((s) => [s.name, s]));
  const commonNames = new Map(commonSpecs.map((s) => [s.name, s]));
  for (const [key, value] of Object.entries(vars ?? {})) {
    const spec = ownNames.get(key) ?? commonNames.get(key);
    if (!spec) {
      templateVars[key] = value;
      continue;
    }
    (ownNames.has(key) ? read.component : read.common)[key] = coerceVar(value, spec.schema);
    fromVars.add(key);
  }
  const parsedFields = withDefaults(own, read.component);
  const common = withDefaults(commonSpecs, read.common);
  const bad = validate(verb, commonSchema, commonSpecs, common, fromVars) ?? validate(verb, component.args, own, parsedFields, fromVars);
  if (bad) return bad;
  let fields = parsedFields;
  if (component.toJob) {
    try {
      fields = component.toJob(parsedFields);
    } catch (error) {
      if (error instanceof ArgumentError)
        return fail('invalid-job', error.message, { location: error.field ? { field: error.field } : undefined });
      return fail('invalid-job', `${verb}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const commonOptions = common as CommonOptions;
  return ok({ verb, fields, common: commonOptions, templateVars, sha: jobSha(verb, fields, commonOptions) });
}
