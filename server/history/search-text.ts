/**
 * What output search indexes and how a query is read (issue #15). Pure: shared by the SQLite
 * store (it indexes `indexText(chunk)`) and the history service (it finds the matching lines).
 * The index tokenizes like FTS5's unicode61 with diacritics removed: runs of letters and digits,
 * lower-cased. The user's text is never passed to FTS5 as syntax: it is parsed here into words,
 * "quoted phrases" and prefix* words, and rebuilt as a query FTS5 cannot misread.
 */

/** ANSI escape sequences (CSI, OSC, two-byte ESC) are not text: colourised `ERROR` is found as `ERROR`. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function indexText(data: string): string {
  return data.replace(ANSI, '');
}

/** Tokens as the index sees them. */
export function tokens(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export type SearchTerm = Readonly<{ words: readonly string[]; prefix: boolean }>;

export type ParsedQuery = { ok: true; terms: SearchTerm[]; fts: string } | { ok: false; message: string };

export const MAX_QUERY_CHARS = 1000;

/** Words, "phrases" and prefix* words; every term must appear in a line (AND). */
export function parseSearch(text: string): ParsedQuery {
  if (text.length > MAX_QUERY_CHARS) return { ok: false, message: `search text is longer than ${MAX_QUERY_CHARS} characters` };
  const terms: SearchTerm[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return { ok: false, message: 'unclosed quote: a phrase is written "like this"' };
      const words = tokens(text.slice(i + 1, end));
      const prefix = text[end + 1] === '*';
      if (words.length) terms.push({ words, prefix });
      i = end + (prefix ? 2 : 1);
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end]!) && text[end] !== '"') end++;
    const raw = text.slice(i, end);
    const prefix = raw.endsWith('*');
    const words = tokens(raw);
    // `No-space` is the phrase "no space", as FTS5 reads it from the line.
    if (words.length) terms.push({ words, prefix: prefix && words.length > 0 });
    i = end;
  }
  if (terms.length === 0) return { ok: false, message: 'nothing to search for: give a word, a "phrase" or a prefix* (letters or digits)' };
  const fts = terms.map((t) => `"${t.words.join(' ')}"${t.prefix ? ' *' : ''}`).join(' AND ');
  return { ok: true, terms, fts };
}

/** Whether a line (already `indexText`) holds every term, the way the index matched its chunk. */
export function lineMatches(line: string, terms: readonly SearchTerm[]): boolean {
  const have = tokens(line);
  return terms.every((term) => {
    const n = term.words.length;
    for (let s = 0; s + n <= have.length; s++) {
      let all = true;
      for (let k = 0; k < n; k++) {
        const want = term.words[k]!;
        const got = have[s + k]!;
        const last = k === n - 1;
        if (!(got === want || (last && term.prefix && got.startsWith(want)))) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  });
}
