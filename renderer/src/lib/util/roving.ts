/**
 * Roving tabindex (pure): a list of many buttons is one Tab stop; arrow keys move within it
 * (issue #13 item 12: the palette was 22 Tab stops). Returns the index to focus, or null when
 * the key is not one the list handles.
 */
export function rovingIndex(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowDown':
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowUp':
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
