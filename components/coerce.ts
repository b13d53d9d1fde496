/**
 * Turns argv strings (and string `vars`) into the type a schema property declares, and
 * describes schema violations in words a user can act on.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/value';

export type Coerced = { ok: true; value: unknown } | { ok: false; problem: string };

const TRUE = new Set(['true', 'yes', 'on', '1', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'n']);

/** `'x'` → `"x"` for messages; other values as JSON. */
export function quoteValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Coerces one string to the type of `schema` (integer, number, boolean, string, array, union). */
export function coerceString(text: string, schema: TSchema): Coerced {
  const anyOf: unknown = schema.anyOf;
  if (Array.isArray(anyOf)) {
    for (const member of anyOf as TSchema[]) {
      const attempt = coerceString(text, member);
      if (attempt.ok) return attempt;
    }
    return { ok: false, problem: `got an unexpected value ${quoteValue(text)}` };
  }
  switch (schema.type) {
    case 'integer':
      return /^[-+]?\d+$/.test(text.trim())
        ? { ok: true, value: Number.parseInt(text.trim(), 10) }
        : { ok: false, problem: `expects an integer, got ${quoteValue(text)}` };
    case 'number': {
      const n = Number(text.trim());
      return text.trim() !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, problem: `expects a number, got ${quoteValue(text)}` };
    }
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return { ok: false, problem: `expects true or false, got ${quoteValue(text)}` };
    }
    case 'array': {
      const items = (schema.items ?? {}) as TSchema;
      const item = coerceString(text, items);
      return item.ok ? { ok: true, value: [item.value] } : item;
    }
    case 'null':
      return text === '' ? { ok: true, value: null } : { ok: false, problem: `expects nothing, got ${quoteValue(text)}` };
    default:
      return { ok: true, value: text };
  }
}

/** Coerces a `vars` value: strings go through {@link coerceString}, other values are kept. */
export function coerceVar(value: unknown, schema: TSchema): unknown {
  if (typeof value !== 'string' || schema.type === 'string' || schema.type === undefined) return value;
  const coerced = coerceString(value, schema);
  return coerced.ok ? coerced.value : value;
}

function typeName(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(typeName).join(' or ');
  if (schema.const !== undefined) return quoteValue(schema.const);
  switch (schema.type) {
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'null':
      return 'nothing';
    default:
      return typeof schema.type === 'string' ? article(schema.type) : 'a valid value';
  }
}

function jsType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(schema: TSchema, value: unknown): boolean {
  const t = jsType(value);
  switch (schema.type) {
    case 'integer':
      return t === 'integer';
    case 'number':
      return t === 'integer' || t === 'number';
    case 'object':
      return t === 'object';
    case undefined:
      return true;
    default:
      return schema.type === t;
  }
}

/** A short description of why `error.value` violates `error.schema` (`must be >= 1, got 0`). */
export function describeSchemaError(error: ValueError): string {
  const { schema, value } = error;
  const got = `got ${quoteValue(value)}`;
  if (value === undefined) return 'is required';
  if (Array.isArray(schema.anyOf)) {
    const member = (schema.anyOf as TSchema[]).find((m) => matchesType(m, value));
    return member ? describeSchemaError({ ...error, schema: member }) : `expects ${typeName(schema)}, ${got}`;
  }
  if (!matchesType(schema, value)) return `expects ${typeName(schema)}, ${got}`;
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
    return `must be >= ${schema.minimum}, ${got}`;
  if (typeof schema.maximum === 'number' && typeof value === 'number' && value > schema.maximum)
    return `must be <= ${schema.maximum}, ${got}`;
  if (typeof schema.exclusiveMinimum === 'number' && typeof value === 'number' && value <= schema.exclusiveMinimum) {
    return `must be > ${schema.exclusiveMinimum}, ${got}`;
  }
  if (typeof schema.exclusiveMaximum === 'number' && typeof value === 'number' && value >= schema.exclusiveMaximum) {
    return `must be < ${schema.exclusiveMaximum}, ${got}`;
  }
  if (Array.isArray(value) && typeof schema.minItems === 'number' && value.length < schema.minItems)
    return `needs at least ${schema.minItems} items, ${got}`;
  if (Array.isArray(value) && typeof schema.maxItems === 'number' && value.length > schema.maxItems)
    return `takes at most ${schema.maxItems} items`;
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters, ${got}`;
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      return typeof schema['x-pattern-hint'] === 'string'
        ? `${schema['x-pattern-hint'] as string}, ${got}`
        : `must match ${schema.pattern}, ${got}`;
    }
  }
  return `${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}, ${got}`;
}
