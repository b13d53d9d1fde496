/**
 * Jinja2's built-in filters and tests, with Python semantics. Generators (`map`,
 * `select`, …) return lists here, so printing one shows its items instead of
 * `<generator object …>`.
 */
import { TemplateError } from '../define.js';
import { pythonJsonDumps } from '../sha.js';
import { getAttr, getItem, percentFormat, pyReplace, pyTitle, strFormat } from './methods.js';
import {
  PyFloat,
  PyFunction,
  Undefined,
  isDict,
  isFloat,
  isInt,
  isNumber,
  isTuple,
  iterate,
  mkNumber,
  need,
  pyCompare,
  pyContains,
  pyEquals,
  pyLen,
  pyRepr,
  pyStr,
  toNumber,
  toPlain,
  truthy,
  tuple,
  typeName,
} from './values.js';

export type Filter = (value: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;
export type Test = (value: unknown, args: unknown[]) => boolean;

/** Positional argument `i`, else keyword `name`, else `fallback`. */
function arg(args: unknown[], kwargs: Record<string, unknown>, i: number, name: string, fallback: unknown): unknown {
  if (args.length > i) return args[i];
  return Object.prototype.hasOwnProperty.call(kwargs, name) ? kwargs[name] : fallback;
}

/** Dotted attribute lookup used by `map`, `sort`, `selectattr`… (`a.b`, `items.0`). */
function attrPath(item: unknown, path: unknown): unknown {
  let value = item;
  for (const part of String(path).split('.')) {
    if (value instanceof Undefined) return value;
    value = /^\d+$/.test(part) && Array.isArray(value) ? getItem(value, Number(part), part) : getItem(value, part, part);
  }
  return value;
}

function keyFn(kwargs: Record<string, unknown>, args: unknown[], attrIndex: number, caseIndex: number): (x: unknown) => unknown {
  const attribute = arg(args, kwargs, attrIndex, 'attribute', null);
  const caseSensitive = truthy(arg(args, kwargs, caseIndex, 'case_sensitive', false));
  return (x) => {
    const v = attribute === null ? x : attrPath(x, attribute);
    return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
  };
}

function sorted(items: unknown[], key: (x: unknown) => unknown, reverse: boolean): unknown[] {
  const out = items.map((x) => ({ x, k: key(x) })).sort((a, b) => pyCompare(a.k, b.k));
  if (reverse) out.reverse();
  return out.map((e) => e.x);
}

function runTest(name: unknown, value: unknown, args: unknown[]): boolean {
  if (name === undefined) return truthy(value);
  const test = TESTS[String(name)];
  if (!test) throw new TemplateError(`no test named '${String(name)}'`);
  return test(value, args);
}

function selectFilter(select: boolean, byAttr: boolean): Filter {
  return (value, args) => {
    const [attr, ...rest] = byAttr ? args : [undefined, ...args];
    const [test, ...testArgs] = rest;
    return iterate(value).filter((item) => runTest(test, byAttr ? attrPath(item, attr) : item, testArgs) === select);
  };
}

/** Jinja2's `htmlsafe_json_dumps` (what `tojson` prints): sorted keys, `<>&'` escaped. */
function tojson(value: unknown, indent: unknown): string {
  const text = pythonJsonDumps(toPlain(value), {
    sortKeys: true,
    indent: indent === null || indent === undefined ? undefined : toNumber(indent),
  });
  return text.replace(/[<>&']/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (isNumber(value)) return Math.trunc(toNumber(value));
  if (typeof value === 'string') {
    const s = value.trim().replaceAll('_', '');
    const digits =
      base === 16 ? /^[-+]?(0x)?[0-9a-f]+$/i : base === 8 ? /^[-+]?(0o)?[0-7]+$/i : base === 2 ? /^[-+]?(0b)?[01]+$/i : /^[-+]?\d+$/;
    if (digits.test(s)) return Number.parseInt(s.replace(/^([-+]?)0[xob]/i, '$1'), base);
    const f = Number(s);
    if (s !== '' && Number.isFinite(f)) return Math.trunc(f);
  }
  return fallback;
}

function toFloat(value: unknown, fallback: unknown): unknown {
  if (isNumber(value)) return new PyFloat(toNumber(value));
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value.trim()))) return new PyFloat(Number(value.trim()));
  return fallback;
}

const escapeHtml = (v: unknown): string =>
  pyStr(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] ?? c);

function sequenceEnd(first: boolean): Filter {
  return (value) => {
    const items = iterate(value);
    if (items.length === 0) return new Undefined(first ? 'first' : 'last', `No ${first ? 'first' : 'last'} item, sequence was empty.`);
    return first ? items[0] : items[items.length - 1];
  };
}

function minMax(max: boolean): Filter {
  return (value, args, kwargs) => {
    const items = iterate(value);
    if (items.length === 0) return new Undefined(max ? 'max' : 'min', 'No aggregated item, sequence was empty.');
    const s = sorted(items, keyFn(kwargs, args, 1, 0), false);
    return max ? s[s.length - 1] : s[0];
  };
}

export const FILTERS: Readonly<Record<string, Filter>> = {
  abs: (v) => mkNumber(Math.abs(toNumber(v)), isFloat(v)),
  attr: (v, [name]) => getAttr(v, String(name), String(name)),
  batch: (v, [size, fill]) => {
    const items = iterate(v);
    const n = toNumber(size);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (last && fill !== undefined && fill !== null) while (last.length < n) last.push(fill);
    return out;
  },
  capitalize: (v) => pyStr(v).charAt(0).toUpperCase() + pyStr(v).slice(1).toLowerCase(),
  center: (v, args, kw) => {
    const s = pyStr(v);
    const width = toNumber(arg(args, kw, 0, 'width', 80));
    const left = Math.floor((width - s.length) / 2);
    return s.length >= width ? s : ' '.repeat(left) + s + ' '.repeat(width - s.length - left);
  },
  count: (v) => pyLen(v),
  default: (v, args, kw) => {
    const fallback = arg(args, kw, 0, 'default_value', '');
    const boolean = truthy(arg(args, kw, 1, 'boolean', false));
    return v instanceof Undefined || (boolean && !truthy(v)) ? fallback : v;
  },
  dictsort: (v, args, kw) => {
    const d = need(v);
    if (!isDict(d)) throw new TemplateError(`dictsort expects a dict, got ${typeName(d)}`);
    const byValue = arg(args, kw, 1, 'by', 'key') === 'value';
    const key = keyFn({}, [null, arg(args, kw, 0, 'case_sensitive', false)], 0, 1);
    const entries = Object.entries(d).map(([k, x]) => tuple([k, x]));
    return sorted(entries, (e) => key((e as unknown[])[byValue ? 1 : 0]), truthy(arg(args, kw, 2, 'reverse', false)));
  },
  escape: escapeHtml,
  first: sequenceEnd(true),
  float: (v, args, kw) => toFloat(v, arg(args, kw, 0, 'default', new PyFloat(0))),
  format: (v, args, kw) => (Object.keys(kw).length ? strFormat(pyStr(v), args, kw) : percentFormat(pyStr(v), tuple(args))),
  groupby: (v, args, kw) => {
    const attribute = arg(args, kw, 0, 'attribute', null);
    const groups: unknown[] = [];
    for (const item of sorted(iterate(v), (x) => attrPath(x, attribute), false)) {
      const k = attrPath(item, attribute);
      const last = groups[groups.length - 1] as unknown[] | undefined;
      if (last && pyEquals(last[0], k)) (last[1] as unknown[]).push(item);
      else groups.push(tuple([k, [item]]));
    }
    return groups;
  },
  indent: (v, args, kw) => {
    const w = arg(args, kw, 0, 'width', 4);
    const pad = typeof w === 'string' ? w : ' '.repeat(toNumber(w));
    const first = truthy(arg(args, kw, 1, 'first', false));
    const blank = truthy(arg(args, kw, 2, 'blank', false));
    return pyStr(v)
      .split('\n')
      .map((line, i) => ((i === 0 && !first) || (line === '' && !blank) ? line : pad + line))
      .join('\n');
  },
  int: (v, args, kw) => toInt(v, arg(args, kw, 0, 'default', 0), toNumber(arg(args, kw, 1, 'base', 10))),
  items: (v) => (v instanceof Undefined ? [] : isDict(v) ? Object.entries(v).map(([k, x]) => tuple([k, x])) : iterate(v)),
  join: (v, args, kw) => {
    const attribute = arg(args, kw, 1, 'attribute', null);
    return iterate(v)
      .map((x) => pyStr(attribute === null ? x : attrPath(x, attribute)))
      .join(pyStr(arg(args, kw, 0, 'd', '')));
  },
  last: sequenceEnd(false),
  length: (v) => pyLen(v),
  list: (v) => [...iterate(v)],
  lower: (v) => pyStr(v).toLowerCase(),
  map: (v, args, kw) => {
    const items = iterate(v);
    if (Object.prototype.hasOwnProperty.call(kw, 'attribute')) {
      const fallback = kw.default;
      return items.map((x) => {
        const got = attrPath(x, kw.attribute);
        return got instanceof Undefined && fallback !== undefined ? fallback : got;
      });
    }
    const [name, ...rest] = args;
    const filter = FILTERS[String(name)];
    if (!filter) throw new TemplateError(`no filter named '${String(name)}'`);
    return items.map((x) => filter(x, rest, kw));
  },
  max: minMax(true),
  min: minMax(false),
  pprint: (v) => pyRepr(need(v)),
  reject: selectFilter(false, false),
  rejectattr: selectFilter(false, true),
  replace: (v, [a, b, n]) => pyReplace(pyStr(v), pyStr(a), pyStr(b), n === undefined || n === null ? -1 : toNumber(n)),
  reverse: (v) => (typeof v === 'string' ? Array.from(v).reverse().join('') : [...iterate(v)].reverse()),
  round: (v, args, kw) => {
    const precision = toNumber(arg(args, kw, 0, 'precision', 0));
    const method = arg(args, kw, 1, 'method', 'common');
    const f = 10 ** precision;
    const x = toNumber(v) * f;
    const r = method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return new PyFloat(r / f);
  },
  safe: (v) => need(v),
  select: selectFilter(true, false),
  selectattr: selectFilter(true, true),
  sort: (v, args, kw) => sorted(iterate(v), keyFn(kw, args, 2, 1), truthy(arg(args, kw, 0, 'reverse', false))),
  string: (v) => pyStr(v),
  sum: (v, args, kw) => {
    const attribute = arg(args, kw, 0, 'attribute', null);
    let total: unknown = arg(args, kw, 1, 'start', 0);
    for (const x of iterate(v)) {
      const n = attribute === null ? x : attrPath(x, attribute);
      total = mkNumber(toNumber(total) + toNumber(n), isFloat(total) || isFloat(n));
    }
    return total;
  },
  title: (v) => pyTitle(pyStr(v)),
  tojson: (v, args, kw) => tojson(v, arg(args, kw, 0, 'indent', null)),
  trim: (v, [chars]) =>
    chars === undefined || chars === null ? pyStr(v).trim() : (getAttr(pyStr(v), 'strip', 'trim') as PyFunction).call([chars], {}),
  unique: (v, args, kw) => {
    const key = keyFn(kw, args, 1, 0);
    const seen: unknown[] = [];
    return iterate(v).filter((x) => {
      const k = key(x);
      if (seen.some((s) => pyEquals(s, k))) return false;
      seen.push(k);
      return true;
    });
  },
  upper: (v) => pyStr(v).toUpperCase(),
  wordcount: (v) => (pyStr(v).match(/\w+/gu) ?? []).length,
};
Object.assign(FILTERS, { d: FILTERS.default, e: FILTERS.escape, forceescape: FILTERS.escape });

const cmp =
  (op: string, ok: (c: number) => boolean): Test =>
  (v, [other]) =>
    ok(pyCompare(v, other, op));

export const TESTS: Readonly<Record<string, Test>> = {
  boolean: (v) => typeof v === 'boolean',
  callable: (v) => v instanceof PyFunction,
  defined: (v) => !(v instanceof Undefined),
  divisibleby: (v, [n]) => toNumber(v) % toNumber(n) === 0,
  eq: (v, [o]) => pyEquals(v, o),
  even: (v) => toNumber(v) % 2 === 0,
  false: (v) => v === false,
  float: (v) => isFloat(v),
  ge: cmp('>=', (c) => c >= 0),
  gt: cmp('>', (c) => c > 0),
  in: (v, [seq]) => pyContains(seq, v),
  integer: (v) => typeof v === 'number' && isInt(v),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || isDict(v),
  le: cmp('<=', (c) => c <= 0),
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  lt: cmp('<', (c) => c < 0),
  mapping: (v) => isDict(v),
  ne: (v, [o]) => !pyEquals(v, o),
  none: (v) => v === null,
  number: (v) => typeof v !== 'boolean' && isNumber(v),
  odd: (v) => toNumber(v) % 2 !== 0,
  sameas: (v, [o]) => v === o,
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isDict(v),
  string: (v) => typeof v === 'string',
  true: (v) => v === true,
  tuple: (v) => isTuple(v),
  undefined: (v) => v instanceof Undefined,
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
};
Object.assign(TESTS, {
  equalto: TESTS.eq,
  '==': TESTS.eq,
  '!=': TESTS.ne,
  '<': TESTS.lt,
  '<=': TESTS.le,
  '>': TESTS.gt,
  '>=': TESTS.ge,
  greaterthan: TESTS.gt,
  lessthan: TESTS.lt,
});
