/**
 * Where a YAML problem is, as an editor shows it (issue #13): the yaml library reports some
 * problems where the parser noticed them, not where they are. An unclosed quote is reported at
 * the end of the text; an empty list item (`-`) starts at the end of its line; a block value
 * (`targets:` then an indented mapping) starts on the next line. These move each to the character
 * the user has to fix. Offsets are 0-based into the text; callers turn them into 1-based line:column.
 */
import { isScalar, visit, type Document, type Node } from 'yaml';

/** The offset of a parse error: an unclosed quote points at the quote that opened it. */
export function parseErrorOffset(code: string, message: string, offset: number, text: string): number {
  if (code !== 'MISSING_CHAR') return offset;
  const quote = message.includes('"quote') ? '"' : message.includes("'quote") ? "'" : null;
  if (!quote) return offset;
  for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
    if (text[i] === quote && (quote === "'" || text[i - 1] !== '\\')) return i;
  }
  return offset;
}

/**
 * The offset a problem with `node` is reported at: a mapping value that starts on a later line
 * than its key is reported at the key (the line the user reads as "the `targets` line"); an
 * empty list item at its `-`.
 */
export function nodeOffset(doc: Document, node: Node | null | undefined, text: string): number {
  if (!node) return 0;
  let key: Node | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (pair.value === node && pair.key && typeof pair.key === 'object' && 'range' in pair.key) {
        key = pair.key as Node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  let offset = node.range?.[0] ?? 0;
  const keyStart = (key as Node | null)?.range?.[0];
  // A value on its key's line is pointed at itself; one that starts on a later line, at its key.
  if (keyStart !== undefined && text.slice(keyStart, offset).includes('\n')) return keyStart;
  if (keyStart === undefined && isScalar(node) && node.value === null) {
    while (offset > 0 && text[offset - 1] === ' ') offset--;
    if (text[offset - 1] === '-') offset--;
  }
  return offset;
}
