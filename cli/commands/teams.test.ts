/**
 * The CLI contracts of issue #18 against a real server: `user add` (one-time password, or
 * `--password-stdin`), `token create` (the token alone on the last line), acting as a user with
 * `--token` / `$DIRECTORD_TOKEN`, refusals exiting non-zero, `audit list/export/verify`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../server/testing/harness.js';
import { runCli } from '../testing/run-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runWithStdin(
  env: NodeJS.ProcessEnv,
  input: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('directord user / token / audit', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());
  const cli = (...args: string[]) => runCli(args[0] ?? '', args[1] ?? '', '--data-dir', t.dataDir, ...args.slice(2));

  test(
    'user add prints a one-time password; --password-stdin takes it from stdin; token create ends with the token',
    { timeout: 60_000 },
    async () => {
      const added = await cli('user', 'add', 'ada', '--role', 'admin');
      assert.equal(added.code, 0, added.stderr);
      const oneTime = added.stdout.trim().split('\n').at(-1) ?? '';
      assert.match(oneTime, /^[A-Za-z0-9_-]{20}$/);
      const viaStdin = await runWithStdin(
        {},
        'a long enough password\n',
        'user',
        'add',
        'vera',
        '--role',
        'viewer',
        '--password-stdin',
        '--data-dir',
        t.dataDir,
      );
      assert.equal(viaStdin.code, 0, viaStdin.stderr);
      assert.doesNotMatch(viaStdin.stdout, /One-time/);
      const scoped = await cli('user', 'add', 'otto', '--role', 'operator', '--scope', 'web*');
      assert.equal(scoped.code, 0, scoped.stderr);
      const list = await cli('user', 'list');
      assert.match(list.stdout, /ada\s+admin\s+-\s+one-time password/);
      assert.match(list.stdout, /otto\s+operator\s+web\*\s+one-time password/);
      assert.match(list.stdout, /vera\s+viewer\s+-\s+active/);

      const created = await cli('token', 'create', '--user', 'vera', '--expires', '30d');
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trimEnd().split('\n').at(-1) ?? '';
      assert.match(token, /^dtk_[A-Za-z0-9_-]{43}$/);

      // As vera: reading works, changing is refused with a non-zero exit.
      const listed = await runCli('--token', token, 'manage', '--list-nodes', '--data-dir', t.dataDir);
      assert.notEqual(listed.stderr.includes('forbidden'), true, listed.stderr);
      const refused = await runCli('--token', token, 'user', 'add', 'eve', '--role', 'admin', '--data-dir', t.dataDir);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /forbidden: viewer vera may not add users/);
      const purge = await runWithStdin({ DIRECTORD_TOKEN: token }, '', 'manage', '--purge-jobs', '--data-dir', t.dataDir);
      assert.notEqual(purge.code, 0);
      assert.match(purge.stderr, /forbidden: viewer vera may not purge jobs/);

      const tokens = await cli('token', 'list');
      assert.match(tokens.stdout, /vera\s+active/);
      assert.ok(!tokens.stdout.includes(token), 'the list never shows the token');
      const id = /^([0-9a-f]{16})\s+vera/m.exec(tokens.stdout)?.[1] ?? '';
      assert.equal((await cli('token', 'revoke', id)).code, 0);
      const after = await runCli('--token', token, 'user', 'list', '--data-dir', t.dataDir);
      assert.equal(after.code, 1);
      assert.match(after.stderr, /refused the API token/);

      const db = new Database(join(t.dataDir, 'directord.db'), { readonly: true });
      try {
        const stored =
          JSON.stringify(db.prepare('SELECT * FROM api_tokens').all()) +
          JSON.stringify(db.prepare('SELECT * FROM users').all()) +
          JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
        assert.ok(!stored.includes(token), 'only the hash of the token is stored');
        assert.ok(!stored.includes(oneTime) && !stored.includes('a long enough password'), 'no password is stored or logged');
      } finally {
        db.close();
      }
    },
  );

  test('secret set reads stdin, secret list shows names and versions only, secret rm removes', { timeout: 60_000 }, async () => {
    const set = await runWithStdin({}, 'the-value-itself\n', 'secret', 'set', 'DEPLOY_KEY', '--data-dir', t.dataDir);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Secret DEPLOY_KEY set \(version 1\); jobs use it as \{\{ secrets.DEPLOY_KEY \}\}/);
    assert.equal((await runWithStdin({}, 'rotated-value', 'secret', 'set', 'DEPLOY_KEY', '--data-dir', t.dataDir)).code, 0);
    const list = await cli('secret', 'list');
    assert.match(
      list.stdout,
      /DEPLOY_KEY\s+2\s+\S+\s+cli\n$/,
      'the table ends its last line (a script reading it, or the next command, starts on a line of its own)',
    );
    assert.ok(!list.stdout.includes('value'));
    const empty = await runWithStdin({}, '', 'secret', 'set', 'EMPTY', '--data-dir', t.dataDir);
    assert.equal(empty.code, 2);
    assert.equal((await cli('secret', 'rm', 'DEPLOY_KEY')).code, 0);
    assert.equal((await cli('secret', 'list')).code, 1, 'No data found');
  });

  test('audit list filters, exports JSON Lines, verify exits 0 intact and 1 naming the changed row', { timeout: 60_000 }, async () => {
    const listed = await cli('audit', 'list', '--user', 'vera', '--since', '1h');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /vera\s+viewer\s+users:add\s+eve\s+refused/);
    const onlyAdds = await cli('audit', 'list', '--action', 'users:add', '--json');
    const rows = onlyAdds.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; user: string });
    assert.ok(rows.length >= 4 && rows.every((r) => r.action === 'users:add'));
    const exported = await cli('audit', 'export');
    assert.ok(exported.stdout.trim().split('\n').length >= rows.length);
    const ok = await cli('audit', 'verify');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /audit log intact: \d+ rows/);
    const db = new Database(join(t.dataDir, 'directord.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET user = 'someone else' WHERE seq = 2").run();
    } finally {
      db.close();
    }
    const broken = await cli('audit', 'verify');
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /audit log broken at row 2: row 2 was changed/);
  });
});
