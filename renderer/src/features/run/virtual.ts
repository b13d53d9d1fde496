/** Window math for fixed-height virtual lists (only visible rows are in the DOM). */

export type VisibleRange = Readonly<{ start: number; end: number; offset: number; height: number }>;

/** Rows `[start, end)` to render for a viewport, with `overscan` extra rows on each side. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 10): VisibleRange {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first - overscan, total));
  const end = Math.max(start, Math.min(total, first + count + overscan));
  return { start, end, offset: start * rowHeight, height: total * rowHeight };
}

/** True when the viewport shows the last row (within one row), i.e. autoscroll should follow. */
export function isAtBottom(scrollTop: number, viewport: number, scrollHeight: number, rowHeight: number): boolean {
  return scrollTop + viewport >= scrollHeight - rowHeight;
}

/** The scrollTop that puts `row` in the middle of the viewport. */
export function scrollTopFor(row: number, viewport: number, rowHeight: number, total: number): number {
  const max = Math.max(0, total * rowHeight - viewport);
  return Math.max(0, Math.min(max, row * rowHeight - viewport / 2 + rowHeight / 2));
}

/** Next or previous match index, wrapping around. */
export function stepMatch(current: number, count: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}
