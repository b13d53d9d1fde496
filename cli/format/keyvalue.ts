/**
 * Directord's shared report renderer (spec 2.4): a table, a blank line, `Total Items: N`, then
 * one `Total <HEADING>: <sum>` per numeric column; plus the KEY/VALUE rendering rules of
 * `--job-info` (dicts as `k = v` lines of truthy values, lists one item per line) and the
 * Python-style value formatting those rules rely on.
 */
import { tabulate, type Cell } from './table.js';

export type Total = Readonly<{ heading: string; value: number; float: boolean }>;

/** The full text of a report, ending with a newline. */
export function renderReport(headers: readonly string[], rows: readonly (readonly Cell[])[], totals: readonly Total[] = []): string {
  let text = `${tabulate(headers, rows)}\n\nTotal Items: ${rows.length}\n`;
  for (const t of totals) text += `Total ${t.heading}: ${t.float ? t.value.toFixed(2) : String(t.value)}\n`;
  return text;
}

/** A KEY/VALUE report (job info, purge, analyze). Rows whose value is null or undefined are hidden. */
export function renderKeyValue(rows: readonly (readonly [string, Cell])[]): string {
  return renderReport(
    ['KEY', 'VALUE'],
    rows.filter(([, v]) => v !== null && v !== undefined),
  );
}

/** Python truthiness. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function pyQuote(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyQuote(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyQuote(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python `str()`: strings as they are, everything else as `repr()`. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** A dict value in a KEY/VALUE table: one `k = v` line per truthy value. */
export function dictLines(entries: Iterable<readonly [string, unknown]>): string {
  const lines: string[] = [];
  for (const [k, v] of entries) if (truthy(v)) lines.push(`${k} = ${pyStr(v)}`);
  return lines.join('\n');
}

const two = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time (Directord's RETURN_TIMESTAMP / COMPONENT_TIMESTAMP). */
export function formatTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Python `str(timedelta(seconds=s))`, e.g. `1:06:45.970000` or `2 days, 0:00:01`. */
export function formatTimedelta(seconds: number): string {
  const micros = Math.max(0, Math.round(seconds * 1e6));
  const totalSeconds = Math.floor(micros / 1e6);
  const fraction = micros % 1e6;
  const days = Math.floor(totalSeconds / 86400);
  const rest = totalSeconds % 86400;
  const clock = `${Math.floor(rest / 3600)}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  const withFraction = fraction ? `${clock}.${String(fraction).padStart(6, '0')}` : clock;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${withFraction}` : withFraction;
}

/** Directord stores timings as strings with 8 decimals. */
export function fixed8(value: number): string {
  return value.toFixed(8);
}
