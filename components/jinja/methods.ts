/**
 * Attribute and item access with Jinja2's rules (`a.b` tries the attribute, then the
 * item; `a['b']` the other way round), the str/dict/list methods templates call, and
 * Python's `%` and `str.format` string formatting.
 */
import { TemplateError } from '../define.js';
import {
  Namespace,
  PyFunction,
  Undefined,
  dict,
  isDict,
  isFloat,
  iterate,
  need,
  pyEquals,
  pyRepr,
  pyStr,
  toNumber,
  tuple,
  typeName,
} from './values.js';

type Method = (self: never, args: unknown[], kwargs: Record<string, unknown>) => unknown;

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TemplateError(`${what} must be a string, not ${typeName(value)}`);
  return value;
}

function stripChars(text: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) return left && right ? text.trim() : left ? text.trimStart() : text.trimEnd();
  const set = new Set(Array.from(str(chars, 'strip chars')));
  const cps = Array.from(text);
  let a = 0;
  let b = cps.length;
  while (left && a < b && set.has(cps[a]!)) a++;
  while (right && b > a && set.has(cps[b - 1]!)) b--;
  return cps.slice(a, b).join('');
}

/** Python `str.split(sep=None, maxsplit=-1)`. */
export function pySplit(text: string, sep: unknown, maxsplit: number): string[] {
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = text.trimStart();
    while (rest !== '') {
      if (maxsplit >= 0 && out.length >= maxsplit) {
        out.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const s = str(sep, 'separator');
  if (s === '') throw new TemplateError('empty separator');
  const parts = text.split(s);
  return maxsplit >= 0 && parts.length > maxsplit + 1 ? [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(s)] : parts;
}

/** Python `str.title()`. */
export function pyTitle(text: string): string {
  return text.replace(/[A-Za-z\u00c0-\uffff]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

/** Python `'%s' % args` for the common conversions (`s r d i f x o e g %`). */
export function percentFormat(format: string, argsValue: unknown): string {
  const args = Array.isArray(argsValue) ? [...argsValue] : [argsValue];
  const byName = isDict(argsValue) ? argsValue : null;
  let used = 0;
  const out = format.replace(
    /%(?:\((\w+)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sridfFxXoeEgG%])/g,
    (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const value = key !== undefined && byName ? byName[key] : args[used++];
      if (key === undefined && used > args.length) throw new TemplateError('not enough arguments for format string');
      let text: string;
      switch (conv) {
        case 's':
          text = pyStr(value);
          break;
        case 'r':
          text = pyRepr(need(value));
          break;
        case 'd':
        case 'i':
          text = String(Math.trunc(toNumber(value)));
          break;
        case 'x':
        case 'X':
        case 'o':
          text = Math.trunc(toNumber(value)).toString(conv === 'o' ? 8 : 16);
          if (conv === 'X') text = text.toUpperCase();
          break;
        case 'e':
        case 'E':
          text = toNumber(value)
            .toExponential(prec === undefined ? 6 : Number(prec))
            .replace(/e([+-])(\d)$/, 'e$10$2');
          if (conv === 'E') text = text.toUpperCase();
          break;
        default:
          text = toNumber(value).toFixed(prec === undefined ? 6 : Number(prec));
      }
      if (conv === 's' && prec !== undefined) text = text.slice(0, Number(prec));
      const w = width === undefined ? 0 : Number(width);
      if (text.length >= w) return text;
      if (flags.includes('-')) return text.padEnd(w);
      return flags.includes('0') && conv !== 's' ? text.padStart(w, '0') : text.padStart(w);
    },
  );
  if (!byName && used < args.length && Array.isArray(argsValue))
    throw new TemplateError('not all arguments converted during string formatting');
  return out;
}

/** Python `str.format` for `{}`, `{0}`, `{name}` and `{name.attr}` fields (no format specs). */
export function strFormat(format: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  return format.replace(/\{\{|\}\}|\{([^{}!:]*)(?:![rs])?(?::[^{}]*)?\}/g, (m, field: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const [head = '', ...path] = (field ?? '').split('.');
    let value: unknown = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kwargs[head];
    for (const attr of path) value = getAttr(value, attr, `${head}.${attr}`);
    if (value === undefined) throw new TemplateError(`replacement field {${field ?? ''}} has no value`);
    return pyStr(value);
  });
}

const STRING_METHODS: Record<string, Method> = {
  upper: (s: string) => s.toUpperCase(),
  lower: (s: string) => s.toLowerCase(),
  strip: (s: string, [c]) => stripChars(s, c, true, true),
  lstrip: (s: string, [c]) => stripChars(s, c, true, false),
  rstrip: (s: string, [c]) => stripChars(s, c, false, true),
  title: (s: string) => pyTitle(s),
  capitalize: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  split: (s: string, [sep, max], kw) => pySplit(s, sep ?? kw.sep, toNumber(max ?? kw.maxsplit ?? -1)),
  splitlines: (s: string) => s.split(/\r\n|\r|\n/).filter((line, i, all) => i < all.length - 1 || line !== ''),
  startswith: (s: string, [p]) => (Array.isArray(p) ? p.some((x) => s.startsWith(str(x, 'prefix'))) : s.startsWith(str(p, 'prefix'))),
  endswith: (s: string, [p]) => (Array.isArray(p) ? p.some((x) => s.endsWith(str(x, 'suffix'))) : s.endsWith(str(p, 'suffix'))),
  replace: (s: string, [a, b, n]) => pyReplace(s, str(a, 'old'), str(b, 'new'), n === undefined || n === null ? -1 : toNumber(n)),
  find: (s: string, [sub]) => s.indexOf(str(sub, 'substring')),
  count: (s: string, [sub]) => s.split(str(sub, 'substring')).length - 1,
  join: (s: string, [items]) => iterate(items).map(pyStr).join(s),
  format: (s: string, args, kwargs) => strFormat(s, args, kwargs),
  isdigit: (s: string) => /^\d+$/.test(s),
  zfill: (s: string, [w]) => s.padStart(toNumber(w), '0'),
};

const DICT_METHODS: Record<string, Method> = {
  items: (d: Record<string, unknown>) => Object.entries(d).map(([k, v]) => tuple([k, v])),
  keys: (d: Record<string, unknown>) => Object.keys(d),
  values: (d: Record<string, unknown>) => Object.values(d),
  get: (d: Record<string, unknown>, [k, fallback]) =>
    typeof k === 'string' && Object.prototype.hasOwnProperty.call(d, k) ? d[k] : (fallback ?? null),
  copy: (d: Record<string, unknown>) => dict(Object.entries(d)),
};

const LIST_METHODS: Record<string, Method> = {
  index: (l: unknown[], [x]) => {
    const i = l.findIndex((y) => pyEquals(x, y));
    if (i < 0) throw new TemplateError(`${pyRepr(x)} is not in list`);
    return i;
  },
  count: (l: unknown[], [x]) => l.filter((y) => pyEquals(x, y)).length,
};

/** Python `str.replace(old, new, count)`. */
export function pyReplace(text: string, from: string, to: string, count: number): string {
  const parts = text.split(from);
  if (count < 0 || count >= parts.length - 1) return parts.join(to);
  return parts.slice(0, count + 1).join(to) + from + parts.slice(count + 1).join(from);
}

function method(table: Record<string, Method>, self: unknown, name: string): PyFunction | undefined {
  const fn = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  return fn ? new PyFunction(name, (args, kwargs) => fn(self as never, args, kwargs)) : undefined;
}

function noAttr(obj: unknown, name: string, path: string): Undefined {
  return new Undefined(path, `'${typeName(obj) === 'dict' ? 'dict object' : typeName(obj)}' has no attribute '${name}'`);
}

/** `obj.name` (Jinja2 `getattr`): attribute/method first, then item. */
export function getAttr(obj: unknown, name: string, path: string): unknown {
  need(obj);
  if (obj instanceof Namespace) return Object.prototype.hasOwnProperty.call(obj.attrs, name) ? obj.attrs[name] : noAttr(obj, name, path);
  if (typeof obj === 'string') return method(STRING_METHODS, obj, name) ?? noAttr(obj, name, path);
  if (Array.isArray(obj)) return method(LIST_METHODS, obj, name) ?? noAttr(obj, name, path);
  if (isDict(obj)) {
    const m = method(DICT_METHODS, obj, name);
    if (m) return m;
    return Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : noAttr(obj, name, path);
  }
  return noAttr(obj, name, path);
}

/** `obj[key]` (Jinja2 `getitem`): item first, then attribute. */
export function getItem(obj: unknown, key: unknown, path: string): unknown {
  need(obj);
  need(key);
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && !isFloat(key)) {
    const items = typeof obj === 'string' ? Array.from(obj) : obj;
    const index = key < 0 ? items.length + key : key;
    if (index >= 0 && index < items.length) return items[index];
    return new Undefined(path, `${typeName(obj)} index ${key} out of range`);
  }
  if (isDict(obj)) {
    const k = typeof key === 'string' ? key : pyStr(key);
    if (Object.prototype.hasOwnProperty.call(obj, k)) return obj[k];
  }
  if (typeof key === 'string') return getAttr(obj, key, path);
  return new Undefined(path, `'${typeName(obj)} object' has no element ${pyRepr(key)}`);
}
