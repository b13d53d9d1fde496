/**
 * Reads the argv metadata (`x-argv`, `x-flag`, `x-metavar`) of a component's TypeBox
 * schema, shared by the job-string parser and `--exec-help`.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import type { ArgvKind } from './define.js';

export type ArgvSpec = Readonly<{
  /** Property name (snake_case, as in the job fields and `vars`). */
  name: string;
  kind: ArgvKind;
  /** `--no-block` for flags and options; empty for positionals. */
  flag: string;
  /** Placeholder in usage and errors: `RETRY`, `KEY`. */
  metavar: string;
  required: boolean;
  schema: TSchema;
}>;

const KINDS: ReadonlySet<string> = new Set(['flag', 'option', 'positional', 'positionals', 'rest']);

/** `no_block` → `--no-block`. */
export function defaultFlag(name: string): string {
  return '--' + name.replaceAll('_', '-');
}

function kindOf(schema: TSchema): ArgvKind {
  const declared: unknown = schema['x-argv'];
  if (typeof declared === 'string' && KINDS.has(declared)) return declared as ArgvKind;
  return schema.type === 'boolean' ? 'flag' : 'option';
}

/** The argv view of every property of `schema`, in property order. */
export function argvSpecs(schema: TObject): ArgvSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, prop]): ArgvSpec => {
    const kind = kindOf(prop);
    const positional = kind === 'positional' || kind === 'positionals' || kind === 'rest';
    const flag = positional ? '' : typeof prop['x-flag'] === 'string' ? (prop['x-flag'] as string) : defaultFlag(name);
    const metavar = typeof prop['x-metavar'] === 'string' ? (prop['x-metavar'] as string) : name.toUpperCase();
    return { name, kind, flag, metavar, required: required.has(name), schema: prop };
  });
}

export function isPositional(spec: ArgvSpec): boolean {
  return spec.kind === 'positional' || spec.kind === 'positionals' || spec.kind === 'rest';
}

/**
 * Problems with a component's argument schema (empty when it is usable): flags must
 * start with `--` and not clash with each other or the common options, and a
 * `rest`/`positionals` property must be the last positional.
 */
export function argvSchemaProblems(verb: string, schema: TObject, common: TObject): string[] {
  const problems: string[] = [];
  const commonFlags = new Set(argvSpecs(common).map((s) => s.flag));
  const commonNames = new Set(Object.keys(common.properties));
  const seen = new Set<string>();
  const positionals = argvSpecs(schema).filter(isPositional);
  for (const spec of argvSpecs(schema)) {
    if (commonNames.has(spec.name)) problems.push(`${verb}: property ${spec.name} clashes with a common option`);
    if (isPositional(spec)) continue;
    if (!/^--[A-Za-z0-9][A-Za-z0-9-]*$/.test(spec.flag)) problems.push(`${verb}: bad flag ${spec.flag} for ${spec.name}`);
    if (commonFlags.has(spec.flag) || seen.has(spec.flag)) problems.push(`${verb}: duplicate flag ${spec.flag}`);
    seen.add(spec.flag);
  }
  positionals.forEach((spec, index) => {
    if ((spec.kind === 'rest' || spec.kind === 'positionals') && index !== positionals.length - 1) {
      problems.push(`${verb}: ${spec.kind} property ${spec.name} must be the last positional`);
    }
  });
  return problems;
}
