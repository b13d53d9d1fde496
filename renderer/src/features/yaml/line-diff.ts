/**
 * Line diffs (Myers' O(ND) algorithm) and the text patch that keeps a user's YAML byte for byte
 * except on the lines an edit touches.
 */

/** A replacement of lines `[aStart, aEnd)` of the old text by `lines`. */
export type Hunk = Readonly<{ aStart: number; aEnd: number; lines: readonly string[] }>;

/**
 * Returns, for each line of `a`, the index of the equal line of `b` it is matched to (or -1),
 * using a shortest edit script. Returns null when more than `maxEdits` edits would be needed.
 */
export function matchLines(a: readonly string[], b: readonly string[], maxEdits = 4000): number[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))) x = v[offset + k + 1] ?? 0;
      else x = (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  const match = new Array<number>(n).fill(-1);
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const prevK = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      match[x] = y;
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    match[x] = y;
  }
  return match;
}

/** The hunks turning `a` into `b`, or null when they differ too much to diff cheaply. */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] | null {
  const match = matchLines(a, b);
  if (!match) return null;
  const hunks: Hunk[] = [];
  let ai = 0;
  let bi = 0;
  while (ai < a.length || bi < b.length) {
    if (ai < a.length && match[ai] === bi) {
      ai++;
      bi++;
      continue;
    }
    const aStart = ai;
    while (ai < a.length && match[ai] === -1) ai++;
    const bEnd = ai < a.length ? (match[ai] as number) : b.length;
    hunks.push({ aStart, aEnd: ai, lines: b.slice(bi, bEnd) });
    bi = bEnd;
  }
  return hunks;
}

/**
 * Applies the change `before → after` (two renderings of the same document in one canonical
 * format) to `actual`, the user's text of `before` (same content, their own formatting).
 * Lines the change does not touch keep the user's bytes. Returns null when the texts are too far
 * apart to map, so the caller can fall back to `after`.
 */
export function patchText(actual: string, before: string, after: string): string | null {
  if (before === after) return actual;
  const crlf = actual.includes('\r\n');
  const t = (crlf ? actual.replaceAll('\r\n', '\n') : actual).split('\n');
  const a = before.split('\n');
  const b = after.split('\n');
  const hunks = diffLines(a, b);
  const toT = matchLines(a, t);
  if (!hunks || !toT) return null;
  const out = t.slice();
  for (let h = hunks.length - 1; h >= 0; h--) {
    const hunk = hunks[h] as Hunk;
    const [tStart, tEnd] = targetRange(hunk, toT, t.length);
    out.splice(tStart, tEnd - tStart, ...hunk.lines);
  }
  const text = out.join('\n');
  return crlf ? text.replaceAll('\n', '\r\n') : text;
}

function targetRange(hunk: Hunk, toT: readonly number[], tLength: number): [number, number] {
  const prevAnchor = (i: number): number => {
    for (let k = i; k >= 0; k--) if ((toT[k] ?? -1) >= 0) return toT[k] as number;
    return -1;
  };
  const nextAnchor = (i: number): number => {
    for (let k = i; k < toT.length; k++) if ((toT[k] ?? -1) >= 0) return toT[k] as number;
    return tLength;
  };
  if (hunk.aStart === hunk.aEnd) {
    // Pure insertion: right after the line before it, so blank lines that follow stay after it.
    const at = hunk.aStart === 0 ? Math.min(nextAnchor(0), 0) : prevAnchor(hunk.aStart - 1) + 1;
    return [at, at];
  }
  let allMapped = true;
  for (let k = hunk.aStart; k < hunk.aEnd; k++) if ((toT[k] ?? -1) < 0) allMapped = false;
  if (allMapped) return [toT[hunk.aStart] as number, (toT[hunk.aEnd - 1] as number) + 1];
  return [prevAnchor(hunk.aStart - 1) + 1, nextAnchor(hunk.aEnd)];
}
