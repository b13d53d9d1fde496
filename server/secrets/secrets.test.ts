/** Secrets (issue #18): sealing, masking across chunk splits, and the store on a real server (no plaintext in the data dir). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Result } from '../../protocol/result.js';
import type { ApiTokenCreated, SecretInfo } from '../../protocol/teams.js';
import { startTestServer } from '../testing/harness.js';
import { createStreamMasker, maskText } from './mask.js';
import { seal, unseal } from './seal.js';

describe('secrets', () => {
  test('sealed with AES-256-GCM: opens only under its key, name and version', () => {
    const k = { key: randomBytes(32) };
    const s = seal(k, 'DB_PASSWORD', 1, 'hunter2-hunter2');
    assert.ok(!s.includes('hunter2'));
    assert.equal(unseal(k, 'DB_PASSWORD', 1, s), 'hunter2-hunter2');
    assert.equal(unseal(k, 'DB_PASSWORD', 2, s), null, 'another version');
    assert.equal(unseal(k, 'OTHER', 1, s), null, 'another name');
    assert.equal(unseal({ key: randomBytes(32) }, 'DB_PASSWORD', 1, s), null, 'another key');
    const [v, iv, tag, ct] = s.split('.');
    const flipped = Buffer.from(ct ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    assert.equal(unseal(k, 'DB_PASSWORD', 1, [v, iv, tag, flipped.toString('base64url')].join('.')), null, 'tampered');
  });

  test('masking: whole, split across chunks at every position, several values, nested values', () => {
    const values = [
      { name: 'TOKEN', value: 's3cr3t-v4lue' },
      { name: 'SHORT', value: 'abc' },
      { name: 'INNER', value: 'cr3t' },
    ];
    assert.equal(maskText('x s3cr3t-v4lue y s3cr3t-v4lue', values), 'x [secret:TOKEN] y [secret:TOKEN]');
    assert.equal(maskText('abc', values), 'abc', 'values shorter than 4 characters are not masked');
    const text = 'before s3cr3t-v4lue middle s3cr3t-v4lues3cr3t-v4lue after cr3t end s3cr3';
    const expected = maskText(text, values);
    assert.equal(expected, 'before [secret:TOKEN] middle [secret:TOKEN][secret:TOKEN] after [secret:INNER] end s3cr3');
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 3), Math.min(text.length, i + 7)]) {
        const m = createStreamMasker(values);
        const out = [m.push(text.slice(0, i)), m.push(text.slice(i, j)), m.push(text.slice(j)), m.end()];
        assert.equal(out.join(''), expected, `split at ${i}/${j}`);
        assert.ok(
          out.every((part) => !part.includes('s3cr3t-v4lue')),
          `no chunk carries the value (split at ${i}/${j})`,
        );
      }
    }
    // One character at a time.
    const m = createStreamMasker(values);
    assert.equal([...text].map((c) => m.push(c)).join('') + m.end(), expected);
  });

  test(
    'on a real server: set from the admin, listed without values, versions, viewers refused, no plaintext in the data dir',
    { timeout: 30_000 },
    async () => {
      const t = await startTestServer();
      const value = `plain-${randomBytes(12).toString('hex')}`;
      const api = async (token: string, event: string, payload: unknown) => {
        const res = await fetch(`${t.server.url}/api/ui/${event}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(payload),
        });
        return (await res.json()) as Result<unknown>;
      };
      try {
        assert.equal(statSync(join(t.dataDir, 'secrets.key')).mode & 0o777, 0o600);
        const first = (await api(t.server.cliToken, 'secrets:set', { name: 'DEPLOY_KEY', value })) as Result<SecretInfo>;
        assert.ok(first.ok && first.value.version === 1);
        const second = (await api(t.server.cliToken, 'secrets:set', { name: 'DEPLOY_KEY', value: value + '-2' })) as Result<SecretInfo>;
        assert.ok(second.ok && second.value.version === 2, 'rotating makes a new version');
        const list = await api(t.server.cliToken, 'secrets:list', {});
        assert.ok(list.ok);
        assert.ok(!JSON.stringify(list).includes(value));
        await api(t.server.cliToken, 'users:add', { name: 'vera', role: 'viewer', password: 'correct horse battery' });
        const token = (await api(t.server.cliToken, 'tokens:create', { user: 'vera' })) as Result<ApiTokenCreated> as {
          ok: true;
          value: ApiTokenCreated;
        };
        const refused = await api(token.value.token, 'secrets:list', {});
        assert.deepEqual(refused.ok ? null : refused.error.message, 'forbidden: viewer vera may not list secrets');
        const bad = await api(t.server.cliToken, 'secrets:set', { name: 'no spaces', value: 'x' });
        assert.equal(bad.ok, false);
        // Every file of the data dir (database, WAL, keys, logs): the value is nowhere.
        const files = (dir: string): string[] =>
          readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
        for (const file of files(t.dataDir)) {
          const bytes = readFileSync(file);
          assert.ok(!bytes.includes(value), `${file} holds the plaintext`);
          assert.ok(!bytes.includes(Buffer.from(value).toString('base64')), `${file} holds it in base64`);
        }
        assert.ok(
          files(t.dataDir).some((f) => f.endsWith('directord.db-wal')),
          'the WAL was checked',
        );
      } finally {
        await t.stop();
      }
    },
  );
});
