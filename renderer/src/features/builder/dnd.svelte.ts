/**
 * What is being dragged in the builder. dataTransfer carries the same data (so native DnD works
 * across elements and in Playwright), but its payload is unreadable during dragover, hence this.
 */
import type { StepRef } from '../yaml/edits.js';

export type Dragged = { kind: 'verb'; verb: string } | { kind: 'step'; at: StepRef };

export const VERB_TYPE = 'application/x-directord-verb';
export const STEP_TYPE = 'application/x-directord-step';

export class DragState {
  current = $state<Dragged | null>(null);
  /** Where a drop would land: before step `job` of `entry` (job = length means at the end). */
  over = $state<StepRef | null>(null);

  start(event: DragEvent, dragged: Dragged): void {
    this.current = dragged;
    const dt = event.dataTransfer;
    if (!dt) return;
    dt.effectAllowed = dragged.kind === 'verb' ? 'copy' : 'move';
    if (dragged.kind === 'verb') dt.setData(VERB_TYPE, dragged.verb);
    else dt.setData(STEP_TYPE, JSON.stringify(dragged.at));
    dt.setData('text/plain', dragged.kind === 'verb' ? dragged.verb : 'step');
  }

  /** Reads the drag payload at drop time (dataTransfer first, then our own state). */
  read(event: DragEvent): Dragged | null {
    const dt = event.dataTransfer;
    const verb = dt?.getData(VERB_TYPE);
    if (verb) return { kind: 'verb', verb };
    const step = dt?.getData(STEP_TYPE);
    if (step) {
      try {
        const at = JSON.parse(step) as StepRef;
        if (typeof at.entry === 'number' && typeof at.job === 'number') return { kind: 'step', at };
      } catch {
        return this.current;
      }
    }
    return this.current;
  }

  end(): void {
    this.current = null;
    this.over = null;
  }
}

export const drag = new DragState();
