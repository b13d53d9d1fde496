/**
 * Python `tabulate(rows, headers, disable_numparse=True)` in its default "simple" style, which is
 * what Directord prints (spec 2.4). Every column is left-aligned text; a column is as wide as its
 * widest line, and at least its heading plus 2; columns are joined by two spaces; cells are
 * stripped; a cell with newlines spans several lines; every line is right-stripped.
 */
export type Cell = string | number | boolean | null | undefined;

const MIN_HEADER_PADDING = 2;

/** How Python's `str()` shows a cell (None as an empty cell, as tabulate's missingval). */
export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'boolean') return cell ? 'True' : 'False';
  return String(cell);
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/\r\n|\r|\n/);
}

/** Visible width: code points (tabulate without wcwidth). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

export function tabulate(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const columns = Math.max(headers.length, ...rows.map((r) => r.length));
  const cells = rows.map((row) => Array.from({ length: columns }, (_, i) => splitLines(cellText(row[i]).trim())));
  const widths = Array.from({ length: columns }, (_, i) => {
    const header = headers[i] ?? '';
    let w = width(header) + MIN_HEADER_PADDING;
    for (const row of cells) for (const text of row[i] ?? []) w = Math.max(w, width(text));
    return w;
  });
  const join = (parts: string[]) => parts.join('  ').trimEnd();
  const out = [join(widths.map((w, i) => pad(headers[i] ?? '', w))), join(widths.map((w) => '-'.repeat(w)))];
  for (const row of cells) {
    const height = Math.max(1, ...row.map((c) => c.length));
    for (let l = 0; l < height; l++) out.push(join(widths.map((w, i) => pad(row[i]?.[l] ?? '', w))));
  }
  return out.join('\n');
}
