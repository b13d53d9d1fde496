/**
 * A shell-like splitter for job strings. Unlike Directord's whitespace split (spec 3.3)
 * it keeps each token's offsets, so a `rest` argument can be taken verbatim from the
 * original text (whitespace runs and quotes untouched, bug 9.5 fixed).
 */

export type Token = Readonly<{
  /** The token with quotes removed and escapes applied (POSIX shell rules). */
  value: string;
  /** Offsets of the raw token in the source text (end exclusive). */
  start: number;
  end: number;
  /** True when any part of the token was quoted or escaped. */
  quoted: boolean;
  /** True when a quote was still open at the end of the text. */
  unterminated: boolean;
}>;

const SPACE = /\s/;

/**
 * Splits `text` like a POSIX shell word splitter (no expansions): whitespace separates
 * tokens, `'…'` is literal, `"…"` honours `\"`, `\\`, `\$` and `` \` ``, and a backslash
 * outside quotes escapes the next character. Never throws: an unterminated quote runs to
 * the end of the text and marks the token `unterminated`.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && SPACE.test(text.charAt(i))) i++;
    if (i >= text.length) break;
    const start = i;
    let value = '';
    let quoted = false;
    let unterminated = false;
    while (i < text.length && !SPACE.test(text.charAt(i))) {
      const ch = text.charAt(i);
      if (ch === "'") {
        quoted = true;
        const close = text.indexOf("'", i + 1);
        if (close < 0) {
          value += text.slice(i + 1);
          unterminated = true;
          i = text.length;
        } else {
          value += text.slice(i + 1, close);
          i = close + 1;
        }
      } else if (ch === '"') {
        quoted = true;
        i++;
        while (i < text.length && text.charAt(i) !== '"') {
          const c = text.charAt(i);
          if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1))) {
            value += text.charAt(i + 1);
            i += 2;
          } else {
            value += c;
            i++;
          }
        }
        if (i >= text.length) unterminated = true;
        else i++;
      } else if (ch === '\\' && i + 1 < text.length) {
        quoted = true;
        if (text.charAt(i + 1) !== '\n') value += text.charAt(i + 1);
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    tokens.push({ value, start, end: i, quoted, unterminated });
  }
  return tokens;
}
