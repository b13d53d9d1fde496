/**
 * Python-like values for the Jinja evaluator. Template data is plain JS (strings,
 * numbers, booleans, null, arrays, plain objects); these helpers give it Python's
 * `str()`, `repr()`, truthiness, equality and ordering, so output matches Jinja2 on
 * Python (spec 3.4: a dict renders as `{'a': 'b'}`, a list as `['test']`).
 */
import { TemplateError } from '../define.js';
import { pythonFloatRepr } from '../sha.js';

/**
 * Jinja2's StrictUndefined: a value that fails as soon as it is used. A `soft` one is
 * Jinja2's plain Undefined (prints as '', is falsy), which Jinja2 uses for an inline
 * `x if cond` without `else` even under StrictUndefined.
 */
export class Undefined {
  constructor(
    readonly name: string,
    readonly hint?: string,
    readonly soft = false,
  ) {}
  get message(): string {
    const base = `undefined variable '${this.name}'`;
    return this.hint ? `${base}: ${this.hint}` : base;
  }
  fail(): never {
    throw new TemplateError(this.message);
  }
}

/** A float produced inside a template (`1.0`, `x / 2`), so it prints with `.0` like Python. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Macros, `caller`, bound methods, globals. */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly call: (args: unknown[], kwargs: Record<string, unknown>) => unknown,
  ) {}
}

/** `namespace()`: the one mutable object templates may assign attributes on. */
export class Namespace {
  readonly attrs: Record<string, unknown> = {};
}

const tuples = new WeakSet<unknown[]>();
/** Marks an array as a Python tuple (printed `(a, b)`). */
export function tuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}
export function isTuple(value: unknown): boolean {
  return Array.isArray(value) && tuples.has(value);
}

export type Dict = Record<string, unknown>;
export function isDict(value: unknown): value is Dict {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
export function dict(entries: Iterable<readonly [string, unknown]> = []): Dict {
  const out: Dict = Object.create(null) as Dict;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Throws the undefined error when `value` is undefined; returns it otherwise. */
export function need<T>(value: T | Undefined): T {
  if (value instanceof Undefined && !value.soft) value.fail();
  return value as T;
}

export function isInt(value: unknown): value is number | boolean {
  return typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value));
}
export function isFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value));
}
export function isNumber(value: unknown): boolean {
  return isInt(value) || isFloat(value);
}
export function toNumber(value: unknown): number {
  if (value instanceof PyFloat) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  throw new TemplateError(`expected a number, got ${typeName(value)}`);
}
/** A number result: a float when `float` is set, an int otherwise. */
export function mkNumber(value: number, float: boolean): number | PyFloat {
  return float || !Number.isInteger(value) ? new PyFloat(value) : value;
}

export function typeName(value: unknown): string {
  if (value instanceof Undefined) return 'StrictUndefined';
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (isFloat(value)) return 'float';
  if (typeof value === 'number') return 'int';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return isTuple(value) ? 'tuple' : 'list';
  if (value instanceof PyFunction) return 'function';
  if (value instanceof Namespace) return 'Namespace';
  return isDict(value) ? 'dict' : 'object';
}

function escapeChar(cp: number): string {
  if (cp <= 0xff) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

/** Python `repr(str)`. */
export function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (NON_PRINTABLE.test(ch)) out += escapeChar(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

function reprInt(value: number): string {
  return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
}

/** Python `repr(value)`. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value instanceof Undefined) return 'Undefined';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return reprString(value);
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === 'number') return Number.isInteger(value) ? reprInt(value) : pythonFloatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) {
    const items = value.map(pyRepr);
    if (isTuple(value)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (value instanceof PyFunction) return `<function ${value.name}>`;
  if (value instanceof Namespace) return `<Namespace ${pyRepr(value.attrs)}>`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  return String(value);
}

/** Python `str(value)`; an undefined value raises (StrictUndefined). */
export function pyStr(value: unknown): string {
  if (value instanceof Undefined) return value.soft ? '' : value.fail();
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python truthiness; an undefined value raises. */
export function truthy(value: unknown): boolean {
  if (value instanceof Undefined) return value.soft ? false : value.fail();
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}

/** Python `==` (1 == 1.0 == True; lists and dicts compare by content). */
export function pyEquals(a: unknown, b: unknown): boolean {
  need(a);
  need(b);
  if (isNumber(a) && isNumber(b)) return toNumber(a) === toNumber(b);
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return isTuple(a) === isTuple(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (`<`): numbers, strings, lists/tuples; anything else is a TypeError. */
export function pyCompare(a: unknown, b: unknown, op = '<'): number {
  need(a);
  need(b);
  if (isNumber(a) && isNumber(b)) return Math.sign(toNumber(a) - toNumber(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i], op);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  throw new TemplateError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `iter(value)` as an array: list items, string characters, dict keys. */
export function iterate(value: unknown): unknown[] {
  if (need(value) instanceof Undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return Array.from(value);
  if (isDict(value)) return Object.keys(value);
  throw new TemplateError(`'${typeName(value)}' object is not iterable`);
}

/** Python `len(value)`. */
export function pyLen(value: unknown): number {
  need(value);
  if (typeof value === 'string') return Array.from(value).length;
  if (Array.isArray(value)) return value.length;
  if (isDict(value)) return Object.keys(value).length;
  throw new TemplateError(`object of type '${typeName(value)}' has no len()`);
}

/** Python `item in container`. */
export function pyContains(container: unknown, item: unknown): boolean {
  need(container);
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new TemplateError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (isDict(container)) return typeof item === 'string' && Object.prototype.hasOwnProperty.call(container, item);
  return iterate(container).some((x) => pyEquals(x, item));
}

/** Plain JSON-able data (tuples → lists, floats → numbers); undefined values raise. */
export function toPlain(value: unknown): unknown {
  need(value);
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Namespace) return toPlain(value.attrs);
  if (isDict(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  if (value instanceof PyFunction) throw new TemplateError(`Object of type function is not JSON serializable`);
  return value;
}
