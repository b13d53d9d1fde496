/**
 * Secrets (issue #18): set (a new version each time), listed without values, removed; values are
 * unsealed only on the server, for the jobs that use them. Plaintext never reaches the store.
 */
import { fail, ok, type Result } from '../../protocol/result.js';
import type { SecretInfo } from '../../protocol/teams.js';
import type { SecretsStore } from '../store/types.js';
import { seal, unseal, type SecretsKey } from './seal.js';
import type { SecretValue } from './mask.js';

export type SecretsService = Readonly<{
  list(): Promise<SecretInfo[]>;
  set(name: string, value: string, by: string): Promise<Result<SecretInfo>>;
  remove(name: string): Promise<Result<null>>;
  /** The current values of `names` (server only: for the agents that run the job, and for masking). */
  values(names: readonly string[]): Promise<Result<SecretValue[]>>;
  /** Every current value (masking what the server stores and sends to consoles). */
  allValues(): Promise<SecretValue[]>;
}>;

export function createSecretsService(deps: Readonly<{ store: SecretsStore; key: SecretsKey; clock: () => number }>): SecretsService {
  const info = (r: { name: string; version: number; createdAt: number; updatedAt: number; updatedBy: string }): SecretInfo => ({
    name: r.name,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  });
  return {
    list: async () => (await deps.store.all()).map(info),
    async set(name, value, by) {
      if (value.length === 0) return fail('invalid-payload', `secret ${name}: the value is empty`);
      const previous = await deps.store.get(name);
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
      return ok(info(row));
    },
    async remove(name) {
      return (await deps.store.remove(name)) ? ok(null) : fail('not-found', `no secret ${name}`);
    },
    async values(names) {
      const out: SecretValue[] = [];
      for (const name of new Set(names)) {
        const row = await deps.store.get(name);
        if (!row) return fail('not-found', `no secret ${name} (set it with: directord secret set ${name})`);
        const value = unseal(deps.key, row.name, row.version, row.sealed);
        if (value === null) return fail('internal', `secret ${name} cannot be opened with DATA_DIR/secrets.key (was the key replaced?)`);
        out.push({ name, value });
      }
      return ok(out);
    },
    async allValues() {
      const rows = await deps.store.all();
      return rows.flatMap((r) => {
        const value = unseal(deps.key, r.name, r.version, r.sealed);
        return value === null ? [] : [{ name: r.name, value }];
      });
    },
  };
}
