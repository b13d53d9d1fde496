/**
 * Python's `ast.literal_eval` for the literals ARG/ENV values use (spec 4.4): ints,
 * floats, strings (`'…'`, `"…"`, triple-quoted, `r`/`u` prefixes, implicit
 * concatenation), lists, tuples (→ arrays), sets (→ arrays), dicts, True/False/None.
 * Anything else (a bare word, an expression, an int beyond 2^53) is not a literal and
 * the caller keeps the raw text, as Directord does.
 */

export type LiteralResult = { ok: true; value: unknown } | { ok: false };

class NotLiteral extends Error {}

const ESC: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '\n': '',
};

class Reader {
  i = 0;
  constructor(readonly text: string) {}
  skip(): void {
    while (this.i < this.text.length) {
      const c = this.text.charAt(this.i);
      if (c === '#') {
        while (this.i < this.text.length && this.text.charAt(this.i) !== '\n') this.i++;
      } else if (c === '\\' && this.text.charAt(this.i + 1) === '\n') this.i += 2;
      else if (/\s/.test(c)) this.i++;
      else break;
    }
  }
  peek(): string {
    this.skip();
    return this.text.charAt(this.i);
  }
  eat(token: string): boolean {
    if (this.peek() !== token.charAt(0) || !this.text.startsWith(token, this.i)) return false;
    this.i += token.length;
    return true;
  }
  expect(token: string): void {
    if (!this.eat(token)) throw new NotLiteral(`expected ${token}`);
  }
}

function readString(r: Reader): string {
  const prefix = /^[rRuU]?(?=['"])/.exec(r.text.slice(r.i))?.[0] ?? '';
  const raw = prefix.toLowerCase() === 'r';
  r.i += prefix.length;
  const quote = r.text.startsWith(r.text.charAt(r.i).repeat(3), r.i) ? r.text.charAt(r.i).repeat(3) : r.text.charAt(r.i);
  r.i += quote.length;
  let out = '';
  for (;;) {
    if (r.i >= r.text.length) throw new NotLiteral('unterminated string');
    if (r.text.startsWith(quote, r.i)) {
      r.i += quote.length;
      return out;
    }
    const c = r.text.charAt(r.i);
    if (c === '\n' && quote.length === 1) throw new NotLiteral('newline in string');
    if (c !== '\\') {
      out += c;
      r.i++;
      continue;
    }
    const next = r.text.charAt(r.i + 1);
    if (raw) {
      out += c + next;
      r.i += 2;
      continue;
    }
    const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hex) {
      const digits = r.text.slice(r.i + 2, r.i + 2 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) throw new NotLiteral('bad escape');
      out += String.fromCodePoint(Number.parseInt(digits, 16));
      r.i += 2 + hex;
    } else if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(r.text.slice(r.i + 1))?.[0] ?? '0';
      out += String.fromCharCode(Number.parseInt(oct, 8));
      r.i += 1 + oct.length;
    } else {
      out += ESC[next] ?? c + next;
      r.i += 2;
    }
  }
}

function readNumber(r: Reader): number {
  const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(?![\w.])/.exec(
    r.text.slice(r.i),
  );
  if (!m) throw new NotLiteral('bad number');
  r.i += m[0].length;
  const text = m[0].replaceAll('_', '');
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  const prefixed = /^0([xob])/i.exec(body);
  if (prefixed) return sign * Number.parseInt(body.slice(2), { x: 16, o: 8, b: 2 }[prefixed[1]!.toLowerCase() as 'x' | 'o' | 'b']);
  if (/^0\d/.test(body) && !/[.eE]/.test(body) && /[1-9]/.test(body)) throw new NotLiteral('leading zeros');
  const value = sign * Number(body);
  if (!/[.eE]/.test(body) && !Number.isSafeInteger(value)) throw new NotLiteral('integer too large');
  return value;
}

/** Items up to `close`; `comma` tells whether a comma followed the last item (`(x,)`). */
function readItems(r: Reader, close: string): { items: unknown[]; comma: boolean } {
  const items: unknown[] = [];
  let comma = false;
  while (!r.eat(close)) {
    items.push(readValue(r));
    comma = r.eat(',');
    if (!comma) {
      r.expect(close);
      break;
    }
  }
  return { items, comma };
}

function readSequence(r: Reader, close: string): unknown[] {
  return readItems(r, close).items;
}

function readValue(r: Reader): unknown {
  const c = r.peek();
  if (c === '[') {
    r.i++;
    return readSequence(r, ']');
  }
  if (c === '(') {
    r.i++;
    const { items, comma } = readItems(r, ')');
    // `(x)` is just x; a one-item tuple needs its comma.
    return items.length === 1 && !comma ? items[0] : items;
  }
  if (c === '{') {
    r.i++;
    if (r.eat('}')) return {};
    const first = readValue(r);
    if (!r.eat(':')) return [first, ...(r.eat(',') ? readSequence(r, '}') : (r.expect('}'), []))];
    const out: Record<string, unknown> = {};
    let key: unknown = first;
    for (;;) {
      if (key !== null && typeof key === 'object') throw new NotLiteral('unhashable key');
      out[typeof key === 'string' ? key : pyKey(key)] = readValue(r);
      if (!r.eat(',') || r.eat('}')) {
        r.expect('}');
        return out;
      }
      key = readValue(r);
      r.expect(':');
    }
  }
  if (/['"]/.test(c) || /^[rRuU]['"]/.test(r.text.slice(r.i, r.i + 2))) {
    let s = readString(r);
    while (/['"]/.test(r.peek()) || /^[rRuU]['"]/.test(r.text.slice(r.i, r.i + 2))) s += readString(r);
    return s;
  }
  for (const [word, value] of [
    ['True', true],
    ['False', false],
    ['None', null],
  ] as const) {
    if (r.text.startsWith(word, r.i) && !/\w/.test(r.text.charAt(r.i + word.length))) {
      r.i += word.length;
      return value;
    }
  }
  return readNumber(r);
}

function pyKey(key: unknown): string {
  if (key === true) return 'True';
  if (key === false) return 'False';
  if (key === null) return 'None';
  return String(key);
}

/** `ast.literal_eval(text)`; `{ok: false}` when `text` is not a Python literal. */
export function literalEval(text: string): LiteralResult {
  const r = new Reader(text);
  try {
    const value = readValue(r);
    if (r.peek() !== '') return { ok: false };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof NotLiteral) return { ok: false };
    throw error;
  }
}
