/**
 * The audit log (issue #18): who did what, as whom, to what, with which (redacted) parameters and
 * result, from where and when. Append-only: each row's hash is SHA-256 over the previous row's hash
 * and the row's own fields, so changing, removing or inserting a row breaks the chain from there on
 * and `directord audit verify` names the first row that no longer matches.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../protocol/log.js';
import type { AuditEntry, AuditQuery, AuditVerified } from '../../protocol/teams.js';
import type { AuditStore, NewAuditEntry } from '../store/types.js';
import { objectOf, redactParams } from './redact.js';

/** The hashed fields, in a fixed order (adding a field means a new version of this function). */
export function rowHash(prevHash: string, e: Omit<AuditEntry, 'hash'>): string {
  const fields = [e.seq, e.at, e.user, e.role, e.action, e.object, e.params, e.result, e.detail, e.address, prevHash];
  return createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex');
}

export type AuditRecord = Readonly<{
  user: string;
  role: string;
  action: string;
  payload?: unknown;
  object?: string;
  result: AuditEntry['result'];
  detail?: string;
  address: string;
}>;

export type AuditLog = Readonly<{
  record(r: AuditRecord): Promise<AuditEntry | null>;
  list(q: AuditQuery): Promise<AuditEntry[]>;
  verify(): Promise<AuditVerified>;
  /** Every row as JSON Lines. */
  exportLines(): AsyncIterable<string>;
}>;

export function createAuditLog(
  deps: Readonly<{ store: AuditStore; clock: () => number; log: Logger; mask?: (text: string) => string }>,
): AuditLog {
  const mask = deps.mask ?? ((t: string) => t);
  return {
    async record(r) {
      const entry: NewAuditEntry = {
        at: deps.clock(),
        user: r.user.slice(0, 128),
        role: r.role,
        action: r.action.slice(0, 64),
        object: mask(r.object ?? objectOf(r.payload)).slice(0, 200),
        params: redactParams(r.payload, mask),
        result: r.result,
        // Masked before it is cut (a value crossing the cut would keep a part unmasked).
        detail: mask(r.detail ?? '').slice(0, 1000),
        address: r.address.slice(0, 64),
      };
      try {
        return await deps.store.append(entry, rowHash);
      } catch (error) {
        // The action already happened; a full disk must not turn it into an error.
        deps.log.error('could not append to the audit log', { action: entry.action, user: entry.user, error: String(error) });
        return null;
      }
    },
    list: (q) => deps.store.list(q),
    async verify() {
      let prev = '';
      let rows = 0;
      let expectedSeq = 1;
      for await (const row of deps.store.scan()) {
        rows++;
        if (row.seq !== expectedSeq)
          return { ok: false, rows, firstBad: expectedSeq, reason: `row ${expectedSeq} is missing (the next row is ${row.seq})` };
        if (rowHash(row.prevHash, row) !== row.hash)
          return { ok: false, rows, firstBad: row.seq, reason: `row ${row.seq} was changed (its hash does not match its fields)` };
        // The row itself is consistent but links to another predecessor: that one was rewritten (hash and all).
        if (row.prevHash !== prev)
          return {
            ok: false,
            rows,
            firstBad: row.seq - 1,
            reason: `row ${row.seq - 1} was changed (row ${row.seq} recorded another hash for it)`,
          };
        prev = row.hash;
        expectedSeq++;
      }
      return { ok: true, rows };
    },
    async *exportLines() {
      for await (const row of deps.store.scan()) yield JSON.stringify(row);
    },
  };
}
