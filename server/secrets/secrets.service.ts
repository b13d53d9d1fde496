/**
 * Secrets (issue #18): set (a new version each time), listed without values, removed; values are
 * unsealed only on the server, for the jobs that use them. Plaintext never reaches the store.
 *
 * The rows are also kept in memory (loaded at start, written through; only this process writes
 * them), so the job path — the SHA's versions at submit, the values at dispatch, masking every
 * output chunk — asks nothing of SQLite and stays synchronous.
 */
import { fail, ok, type Result } from '../../protocol/result.js';
import { createTextMasker, type SecretValue } from '../../protocol/secret-mask.js';
import type { SecretInfo } from '../../protocol/teams.js';
import type { SecretRow, SecretsStore } from '../store/types.js';
import { seal, unseal, type SecretsKey } from './seal.js';

export type SecretsService = Readonly<{
  /** Reads the stored rows into memory (once, at start). */
  load(): Promise<void>;
  list(): Promise<SecretInfo[]>;
  set(name: string, value: string, by: string): Promise<Result<SecretInfo>>;
  remove(name: string): Promise<Result<null>>;
  /** The current version of each of `names`, or `not-found` naming the first that does not exist (submit). */
  versions(names: readonly string[]): Result<Record<string, number>>;
  /** The current values of those of `names` that exist (dispatch: a secret removed since the submit is left out, and the job's template fails on the agent). */
  resolve(names: readonly string[]): SecretValue[];
  /** `text` with every current value replaced by `[secret:NAME]`. */
  mask(text: string): string;
  /** Whether there is any secret (else `mask` changes nothing). */
  active(): boolean;
}>;

const missing = (name: string) => `no secret ${name} (set it with: directord secret set ${name})`;

export function createSecretsService(deps: Readonly<{ store: SecretsStore; key: SecretsKey; clock: () => number }>): SecretsService {
  const info = (r: { name: string; version: number; createdAt: number; updatedAt: number; updatedBy: string }): SecretInfo => ({
    name: r.name,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  });
  const rows = new Map<string, SecretRow>();
  /** The opened values, kept with the rows: dispatch reads them per job and host, and unsealing is done once per change. */
  let values = new Map<string, string>();
  let masker: (text: string) => string = (text) => text;
  /** Rebuilt when a value changes: every current value opened once, and the masker over them. */
  const remask = () => {
    values = new Map();
    for (const r of rows.values()) {
      const value = unseal(deps.key, r.name, r.version, r.sealed);
      if (value !== null) values.set(r.name, value);
    }
    masker = values.size ? createTextMasker([...values].map(([name, value]) => ({ name, value }))) : (text) => text;
  };
  return {
    async load() {
      rows.clear();
      for (const r of await deps.store.all()) rows.set(r.name, r);
      remask();
    },
    list: async () => [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(info),
    async set(name, value, by) {
      if (value.length === 0) return fail('invalid-payload', `secret ${name}: the value is empty`);
      const previous = rows.get(name);
      const now = deps.clock();
      const version = (previous?.version ?? 0) + 1;
      const row = {
        name,
        version,
        sealed: seal(deps.key, name, version, value),
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
        updatedBy: by,
      };
      await deps.store.put(row);
      rows.set(name, row);
      remask();
      return ok(info(row));
    },
    async remove(name) {
      const removed = await deps.store.remove(name);
      rows.delete(name);
      remask();
      return removed ? ok(null) : fail('not-found', `no secret ${name}`);
    },
    versions(names) {
      const out: Record<string, number> = {};
      for (const name of names) {
        const row = rows.get(name);
        if (!row) return fail('not-found', missing(name));
        out[name] = row.version;
      }
      return ok(out);
    },
    resolve(names) {
      return [...new Set(names)].flatMap((name) => {
        const value = values.get(name);
        return value === undefined ? [] : [{ name, value }];
      });
    },
    mask: (text) => masker(text),
    active: () => rows.size > 0,
  };
}
