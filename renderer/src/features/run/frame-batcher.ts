/**
 * Collects items (output chunks, state updates) and hands them over once per animation frame,
 * so a burst of 1,000 socket events costs one render, not 1,000.
 */
export type Scheduler = (run: () => void) => void;

const defaultScheduler: Scheduler = (run) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => run());
  else setTimeout(run, 16);
};

export class FrameBatcher<T> {
  #items: T[] = [];
  #scheduled = false;
  readonly #flush: (items: T[]) => void;
  readonly #schedule: Scheduler;

  constructor(flush: (items: T[]) => void, schedule: Scheduler = defaultScheduler) {
    this.#flush = flush;
    this.#schedule = schedule;
  }

  push(items: readonly T[]): void {
    for (const item of items) this.#items.push(item);
    if (this.#scheduled || this.#items.length === 0) return;
    this.#scheduled = true;
    this.#schedule(() => this.flushNow());
  }

  flushNow(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#flush(items);
  }
}
