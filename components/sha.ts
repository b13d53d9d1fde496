/**
 * Python-compatible JSON and SHA3-224 fingerprints (spec 1.4). Directord hashes
 * `json.dumps(obj)` with Python's defaults, so job and parent SHAs only match when the
 * serialisation is byte-identical: `", "` / `": "` separators, `\uXXXX` escapes for
 * everything outside printable ASCII, insertion order (never sorted).
 */
import { sha3_224 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export type JsonDumpsOptions = Readonly<{
  /** Sort object keys (Python `sort_keys=True`, used by Jinja's `tojson`). */
  sortKeys?: boolean;
  /** Pretty-print with this many spaces (Python `indent=N`: items separated by `,` + newline). */
  indent?: number;
}>;

/**
 * Python's `repr(float)`: the shortest round-tripping digits, fixed notation for
 * exponents in [-4, 16), otherwise `1e+16` style; integral values keep `.0`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', expText = '0'] = value.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 16 || exp < -4) {
    const frac = digits.slice(1);
    out = `${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? '-' + out : out;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A JSON string literal as Python writes it with `ensure_ascii=True`: every UTF-16 code
 * unit outside printable ASCII becomes `\uXXXX` (lower-case hex), so astral characters
 * become surrogate pairs exactly like Python's encoder.
 */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const code = text.charCodeAt(i);
    const escaped = ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function dumpNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
  return pythonFloatRepr(value);
}

/**
 * Python `json.dumps(value)` with default arguments.
 *
 * Limitation: JavaScript has one number type, so an integral float (`1.0` in Python)
 * prints as `1`. Values that reach here come from YAML, argv parsing or JSON, where this
 * only differs for floats written with a `.0`; such a value would hash differently
 * from Directord.
 */
export function pythonJsonDumps(value: unknown, options: JsonDumpsOptions = {}): string {
  return dump(value, options, 0);
}

function dump(value: unknown, options: JsonDumpsOptions, depth: number): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return dumpNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pythonJsonString(value);
    case 'object':
      break;
    default:
      throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  }
  let items: string[];
  let open = '{';
  let close = '}';
  if (Array.isArray(value)) {
    items = value.map((item: unknown) => dump(item, options, depth + 1));
    open = '[';
    close = ']';
  } else {
    let entries: [string, unknown][] = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v]) : Object.entries(value);
    entries = entries.filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    items = entries.map(([k, v]) => `${pythonJsonString(k)}: ${dump(v, options, depth + 1)}`);
  }
  if (items.length === 0) return open + close;
  if (options.indent === undefined) return open + items.join(', ') + close;
  const inner = '\n' + ' '.repeat(options.indent * (depth + 1));
  return open + inner + items.join(',' + inner) + '\n' + ' '.repeat(options.indent * depth) + close;
}

/** SHA3-224 hex digest of a string (UTF-8) or bytes. */
export function sha3_224Hex(input: string | Uint8Array): string {
  return bytesToHex(sha3_224(typeof input === 'string' ? utf8ToBytes(input) : input));
}

/** Directord's `object_sha3_224`: SHA3-224 of `json.dumps(obj)`. */
export function objectSha3_224(obj: unknown): string {
  return sha3_224Hex(pythonJsonDumps(obj));
}
