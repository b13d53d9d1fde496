/**
 * A component's JSON-Schema arguments (as announced in its manifest) turned into form fields.
 * Argv conventions (`x-argv`, `x-flag`, snake_case names → `--kebab-case`) come from
 * components/argv.ts so the form writes exactly what the server's parser reads.
 */
import type { TObject } from '@sinclair/typebox';
import { argvSpecs } from '#components/argv.js';
import type { ArgvKind } from '#components/define.js';

export type FieldKind = 'boolean' | 'integer' | 'number' | 'string' | 'enum' | 'array' | 'text';
export type ItemKind = 'string' | 'integer' | 'number';

export type FormField = Readonly<{
  /** Property name (snake_case), the key of the value. */
  name: string;
  argv: ArgvKind;
  /** `--retry`; empty for positionals. */
  flag: string;
  kind: FieldKind;
  itemKind: ItemKind;
  title: string;
  description?: string;
  default?: string | boolean | readonly string[];
  required: boolean;
  options?: readonly string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** Arrays: fewest items (ADD/COPY need SOURCE… DEST, so 2). */
  minItems?: number;
  /** A common option (goes under "More"). */
  common: boolean;
}>;

/** A form value: text inputs keep what was typed (numbers too) so wrong input can be shown as such. */
export type FieldValue = string | boolean | readonly string[];
export type FormValues = Readonly<Record<string, FieldValue>>;

type JsonSchema = Readonly<Record<string, unknown>>;

function asObjectSchema(schema: unknown): TObject {
  const s = (schema && typeof schema === 'object' ? schema : {}) as JsonSchema;
  const properties = s.properties && typeof s.properties === 'object' ? s.properties : {};
  const required = Array.isArray(s.required) ? s.required : [];
  return { ...s, properties, required } as unknown as TObject;
}

function enumOf(schema: JsonSchema): string[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const union = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(union) && union.length > 0 && union.every((m) => m && typeof m === 'object' && 'const' in m)) {
    return union.map((m) => String((m as JsonSchema).const));
  }
  return undefined;
}

function scalarKind(type: unknown): ItemKind {
  return type === 'integer' ? 'integer' : type === 'number' ? 'number' : 'string';
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function humanize(name: string): string {
  const words = name.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function defaultOf(schema: JsonSchema): FormField['default'] {
  const d = schema.default;
  if (d === undefined || d === null) return undefined;
  if (typeof d === 'boolean') return d;
  if (Array.isArray(d)) return d.map(String);
  return String(d);
}

/** The fields of an args schema, in property order. `common` marks the "More" options. */
export function schemaToFields(schema: unknown, common = false): FormField[] {
  const object = asObjectSchema(schema);
  return argvSpecs(object).map((spec) => {
    const s = spec.schema as JsonSchema;
    const options = enumOf(s);
    const items = (s.items ?? {}) as JsonSchema;
    let kind: FieldKind;
    if (spec.kind === 'rest') kind = 'text';
    else if (spec.kind === 'flag' || s.type === 'boolean') kind = 'boolean';
    else if (spec.kind === 'positionals' || s.type === 'array') kind = 'array';
    else if (options) kind = 'enum';
    else kind = scalarKind(s.type);
    const field: FormField = {
      name: spec.name,
      argv: spec.kind,
      flag: spec.flag,
      kind,
      itemKind: scalarKind(kind === 'array' ? items.type : s.type),
      title: typeof s.title === 'string' ? s.title : humanize(spec.name),
      // A property with a default is never missing (the parser fills it in).
      required: spec.required && defaultOf(s) === undefined,
      common,
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
      ...(defaultOf(s) !== undefined ? { default: defaultOf(s) } : {}),
      ...(options ? { options } : {}),
      ...pick(kind === 'array' ? items : s),
      ...(kind === 'array' && num(s.minItems) !== undefined ? { minItems: num(s.minItems) } : {}),
    };
    return field;
  });
}

function pick(s: JsonSchema): Partial<FormField> {
  const out: Record<string, unknown> = {};
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'minLength', 'maxLength'] as const) {
    const n = num(s[key]);
    if (n !== undefined) out[key] = n;
  }
  if (typeof s.pattern === 'string') out.pattern = s.pattern;
  return out as Partial<FormField>;
}

/** Initial value of a field: its default, or empty. */
export function emptyValue(field: FormField): FieldValue {
  if (field.kind === 'boolean') return field.default === true;
  if (field.kind === 'array') return Array.isArray(field.default) ? field.default : [];
  if (typeof field.default === 'string') return field.default;
  return field.kind === 'enum' && field.required ? (field.options?.[0] ?? '') : '';
}
