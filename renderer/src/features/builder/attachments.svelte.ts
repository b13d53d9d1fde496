/**
 * Files the user attached for the open orchestration's ADD/COPY SOURCE patterns, keyed by pattern
 * like the CLI resolves a path once. Picked files are kept in memory (the console cannot re-read
 * them from disk); a saved orchestration keeps its files' content on the server, and opening it
 * restores them here. Opening another orchestration replaces them (openOrchestration): files
 * attached for one must never deploy with another that names the same pattern.
 */
import type { LibraryAttachment } from '#protocol/ui-events.js';
import { attachedFile, filesForPattern, type AttachedFile, type Attachments } from './sources.js';

export class SourceAttachments {
  byPattern = $state.raw<Attachments>(new Map());

  /** Reads and hashes `files` for `pattern`; returns an error message, or '' when attached. */
  async attach(pattern: string, files: readonly File[]): Promise<string> {
    const picked: AttachedFile[] = [];
    for (const file of files) picked.push(attachedFile(file.name, new Uint8Array(await file.arrayBuffer())));
    const fitted = filesForPattern(pattern, picked);
    if (!fitted.ok) return fitted.error.message;
    this.byPattern = new Map([...this.byPattern, [pattern, fitted.value]]);
    return '';
  }

  /** Exactly the files an orchestration was saved with (content on the server); none for a new or imported one. */
  replace(saved: readonly LibraryAttachment[]): void {
    this.byPattern = new Map(saved.map((a) => [a.pattern, a.files] as const));
  }

  detach(pattern: string): void {
    const next = new Map(this.byPattern);
    next.delete(pattern);
    this.byPattern = next;
  }
}

export const attachments = new SourceAttachments();
