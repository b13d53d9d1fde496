/** A bounded undo/redo stack of snapshots, with coalescing of rapid edits to the same thing. */
export class History<T> {
  #past: T[] = [];
  #future: T[] = [];
  #lastKey: string | null = null;
  #lastAt = 0;
  readonly limit: number;
  readonly coalesceMs: number;
  readonly now: () => number;

  constructor(options: { limit?: number; coalesceMs?: number; now?: () => number } = {}) {
    this.limit = options.limit ?? 200;
    this.coalesceMs = options.coalesceMs ?? 1000;
    this.now = options.now ?? (() => Date.now());
  }

  get canUndo(): boolean {
    return this.#past.length > 0;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }

  /**
   * Records `before`, the state prior to an edit. Edits with the same `key` within `coalesceMs`
   * of each other count as one step (typing in a field is one undo, not one per key).
   */
  record(before: T, key: string | null = null): void {
    const at = this.now();
    const coalesce = key !== null && key === this.#lastKey && at - this.#lastAt < this.coalesceMs && this.#past.length > 0;
    if (!coalesce) {
      this.#past.push(before);
      if (this.#past.length > this.limit) this.#past.shift();
    }
    this.#future = [];
    this.#lastKey = key;
    this.#lastAt = at;
  }

  /** Returns the state to go back to, given the current one (which becomes redoable). */
  undo(current: T): T | undefined {
    const prev = this.#past.pop();
    if (prev === undefined) return undefined;
    this.#future.push(current);
    this.#lastKey = null;
    return prev;
  }

  redo(current: T): T | undefined {
    const next = this.#future.pop();
    if (next === undefined) return undefined;
    this.#past.push(current);
    this.#lastKey = null;
    return next;
  }

  clear(): void {
    this.#past = [];
    this.#future = [];
    this.#lastKey = null;
  }
}
