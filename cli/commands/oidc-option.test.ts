/**
 * `--oidc-config FILE` (issue #18) on the real CLI: a file that does not check stops `server` and
 * `serve` with exit 1 and its message alone (the file and the field), not as an internal error;
 * DATA_DIR/oidc.json is read without the option.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCliProcess } from '../testing/cli-processes.js';

describe('--oidc-config', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-oidc-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const good = {
    issuer: 'https://idp.example.com',
    clientId: 'directord',
    redirectUrl: 'https://console.example.com/auth/oidc/callback',
    roles: [{ claim: 'groups', value: 'ops-admins', role: 'admin' }],
  };

  test('a bad file stops server and serve, naming the file and the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...good, roles: [{ claim: 'groups', value: 'ops', role: 'admin', scope: 'web' }] }));
    for (const command of ['server', 'serve']) {
      const ran = await runCliProcess(
        join(dir, `data-${command}`),
        command,
        '--port',
        '0',
        '--oidc-config',
        file,
        ...(command === 'serve' ? ['--no-agent'] : []),
      );
      assert.equal(ran.code, 1, ran.stderr);
      assert.equal(
        ran.stderr.trim().split('\n').at(-1),
        `single sign-on: ${file}: field roles.0.scope: a scope applies to operators only (this mapping gives admin)`,
      );
    }
  });

  test('DATA_DIR/oidc.json is read without the option', async () => {
    const data = join(dir, 'data-default');
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(join(data, 'oidc.json'), JSON.stringify({ ...good, issuer: 'http://idp.example.com' }));
    const ran = await runCliProcess(data, 'server', '--port', '0');
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /single sign-on: .*oidc\.json: field issuer: must be https \(plain http only on loopback\)/);
    assert.doesNotMatch(ran.stderr, /internal error/);
  });
});
