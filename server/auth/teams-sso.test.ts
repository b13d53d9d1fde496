/**
 * Single sign-on users in the teams service (issue #18), on a real SQLite file: bound to the
 * provider's account (`ISSUER#sub`, migration 0013) across a restart, role and scope following
 * the claims, and never taking over a local user, another account's user or a disabled one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../protocol/log.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { createTeams } from './teams.service.js';

const dir = mkdtempSync(join(tmpdir(), 'directord-teams-sso-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('SSO users: bound to their provider account, updated by claims, never a takeover', async () => {
  const path = join(dir, 'directord.db');
  const open = async () => {
    const db = openSqliteStore({ path, log: silentLogger });
    return { db, teams: await createTeams({ store: db.users, clock: Date.now, log: silentLogger }) };
  };
  let { db, teams } = await open();
  const ada = await teams.upsertSso('ada', 'operator', 'web', 'https://idp.example.com/#acct-1');
  assert.ok(ada.ok);
  assert.deepEqual([ada.value.source, ada.value.passwordHash, ada.value.externalId], ['oidc', null, 'https://idp.example.com/#acct-1']);
  assert.ok((await teams.add({ name: 'lou', role: 'viewer', password: 'correct horse battery' }, 'test')).ok);
  db.close();

  ({ db, teams } = await open());
  try {
    assert.equal(teams.user('ada')?.externalId, 'https://idp.example.com/#acct-1', 'the binding is stored');
    const promoted = await teams.upsertSso('ada', 'admin', null, 'https://idp.example.com/#acct-1');
    assert.ok(promoted.ok);
    assert.deepEqual([teams.user('ada')?.role, teams.user('ada')?.scope], ['admin', null], 'role and scope follow the claims');
    const other = await teams.upsertSso('ada', 'admin', null, 'https://idp.example.com/#acct-2');
    assert.equal(other.ok ? '' : other.error.message, 'ada belongs to another single sign-on account');
    const local = await teams.upsertSso('lou', 'admin', null, 'https://idp.example.com/#acct-3');
    assert.equal(local.ok ? '' : local.error.message, 'lou is a local user (with a password): single sign-on may not take it over');
    assert.equal(teams.user('lou')?.role, 'viewer');
    assert.equal(await teams.checkPassword('ada', ''), null, 'an SSO user has no password to sign in with');
    assert.ok((await teams.set({ name: 'ada', disabled: true })).ok);
    const disabled = await teams.upsertSso('ada', 'admin', null, 'https://idp.example.com/#acct-1');
    assert.equal(disabled.ok ? '' : disabled.error.code, 'forbidden');
    assert.equal(teams.user('ada')?.disabled, true, 'still disabled');
  } finally {
    db.close();
  }
});
