/**
 * Files the user attached for ADD/COPY SOURCE patterns (kept in memory for this session: the
 * console cannot re-read them from disk). Keyed by pattern, like the CLI resolves a path once.
 */
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

  detach(pattern: string): void {
    const next = new Map(this.byPattern);
    next.delete(pattern);
    this.byPattern = next;
  }
}

export const attachments = new SourceAttachments();
