/**
 * The console's Hosts page manages identities against the real stack: a real server with TLS on
 * (SQLite in a temp dir) serving a private build of the current renderer, Debian's Chromium, and a
 * real agent process (the one-file bundle). "Enrol agent" creates a token and shows the command;
 * the agent is started with exactly that command, enrols (pinning the fingerprint shown) and comes
 * online; "Revoke" on its row, confirmed, disconnects it at once: offline, a "revoked" badge, and
 * the agent process stops with exit 78. The token list shows the token used and can revoke one.
 * Screenshots: artifacts/screenshots/enrol-revoke-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage, openEmptyHosts } from './browser.js';
import { silentLogger } from '../../protocol/log.js';
import { ensureRendererBuilt, ROOT } from './build-renderer.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { bundles, Proc } from '../integration/harness.js';

const SHOTS = join(ROOT, 'artifacts/screenshots');

describe('console: enrol an agent with a token, then revoke it', { timeout: 300_000 }, () => {
  let server: DirectordServer;
  let browser: Browser;
  let page: Page;
  let work: string;
  let agentBundle: string;
  let agent: Proc | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'directord-enrol-e2e-'));
    await ensureRendererBuilt();
    agentBundle = (await bundles()).agent;
    server = await createServer({
      dataDir: join(work, 'data'),
      port: 0,
      host: '127.0.0.1',
      tls: 'on',
      staticDir: join(ROOT, 'renderer/dist'),
      log: silentLogger,
    });
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    // The server's certificate is self-signed: the browser is told to accept it, the agent pins it.
    ({ browser, page } = await openBrowserPage(pageErrors, { viewport: { width: 1280, height: 860 }, ignoreHTTPSErrors: true }));
    await openEmptyHosts(page, `${server.url}/?token=${server.uiToken}`, join(SHOTS, 'enrol-revoke-0-start-failed.png'), pageErrors);
  });

  after(async () => {
    agent?.killGroup();
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a token made in the console enrols a real agent, which comes online; revoking it from its row takes it offline with a revoked badge', async () => {
    await page.getByRole('button', { name: 'Enrol agent', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Enrol agent' });
    await dialog.getByText('No enrolment token yet.').waitFor();
    await dialog.getByLabel('Uses').fill('1');
    await dialog.getByLabel('Expires after').selectOption({ label: '15 minutes' });
    await dialog.getByLabel('Note').fill('e2e remote host');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    const commandText = (await dialog.getByLabel('Agent command').textContent())?.trim() ?? '';
    const shown = /^node directord-agent\.cjs --server (\S+) --token (\S+) --fingerprint (\S+)$/.exec(commandText);
    assert.ok(shown, `the command shows server, token and fingerprint: ${commandText}`);
    const [, url, token, fingerprint] = shown;
    assert.equal(url, server.url);
    assert.equal(fingerprint, server.fingerprint);
    const tokens = page.getByRole('table', { name: 'Enrolment tokens' });
    await tokens.getByRole('row').filter({ hasText: 'e2e remote host' }).getByText('active').waitFor();
    await page.screenshot({ path: join(SHOTS, 'enrol-revoke-1-token.png') });

    // Exactly the command shown, with the bundle's real path, a name and its own cache dir.
    const cacheDir = join(work, 'remote-agent-cache');
    agent = new Proc(
      'remote-agent',
      [
        agentBundle,
        '--server',
        url as string,
        '--token',
        token as string,
        '--fingerprint',
        fingerprint as string,
        '--name',
        'remote-1',
        '--cache-dir',
        cacheDir,
      ],
      { ...process.env },
    );
    await dialog.getByRole('button', { name: 'Close' }).click();

    const row = page.getByRole('table', { name: 'Hosts' }).getByRole('row').filter({ hasText: 'remote-1' });
    try {
      await row.getByText('online', { exact: true }).waitFor({ timeout: 30_000 });
    } catch (error) {
      throw new Error(`remote-1 did not come online: ${String(error)}\nagent stdout:\n${agent.stdout}\nagent stderr:\n${agent.stderr}`);
    }
    assert.match(agent.stdout, new RegExp(`Enrolled as remote-1 with ${url}`));
    assert.ok(existsSync(join(cacheDir, 'enrolment.json')), 'the agent keeps its credential in its cache dir');
    await page.screenshot({ path: join(SHOTS, 'enrol-revoke-2-online.png') });

    // The token was single use: the list says so.
    await page.getByRole('button', { name: 'Enrol agent', exact: true }).click();
    await tokens.getByRole('row').filter({ hasText: 'e2e remote host' }).getByText('exhausted').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    await row.getByRole('button', { name: 'Revoke remote-1' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke remote-1?' });
    await confirm.getByText(/will be disconnected at once/).waitFor();
    await confirm.getByText(/must be enrolled again with a new token/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'enrol-revoke-3-confirm.png') });
    const revokedAt = Date.now();
    await confirm.getByRole('button', { name: 'Revoke remote-1' }).click();

    await row.getByText('offline', { exact: true }).waitFor({ timeout: 5_000 });
    await row.getByText('revoked', { exact: true }).waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - revokedAt < 5_000, `offline and marked revoked within 5 s (took ${Date.now() - revokedAt} ms)`);
    assert.equal(await row.getByRole('button', { name: 'Revoke remote-1' }).isDisabled(), true);
    const exit = await agent.exited(15_000);
    assert.equal(exit.code, 78, `the revoked agent stops for good (exit 78):\n${agent.stderr}`);
    assert.match(agent.stderr, /revoked/);
    await page.screenshot({ path: join(SHOTS, 'enrol-revoke-4-revoked.png') });
  });

  test('a token can be revoked from the list; it then cannot enrol anyone', async () => {
    await page.getByRole('button', { name: 'Enrol agent', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Enrol agent' });
    await dialog.getByLabel('Note').fill('to be revoked');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const commandText = (await dialog.getByLabel('Agent command').textContent())?.trim() ?? '';
    const token = / --token (\S+)/.exec(commandText)?.[1];
    assert.ok(token, commandText);
    const row = page.getByRole('table', { name: 'Enrolment tokens' }).getByRole('row').filter({ hasText: 'to be revoked' });
    const id = token.split('.')[0] as string;
    await row.getByRole('button', { name: `Revoke token ${id}` }).click();
    await row.getByText('revoked', { exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'enrol-revoke-5-token-revoked.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();

    const late = new Proc(
      'late-agent',
      [agentBundle, '--server', server.url, '--token', token, '--name', 'late-1', '--cache-dir', join(work, 'late-cache')],
      { ...process.env },
    );
    try {
      const exit = await late.exited(20_000);
      assert.equal(exit.code, 78, late.stderr);
      assert.match(late.stderr, new RegExp(`enrolment refused \\(revoked\\): enrolment token ${id} \\(to be revoked\\) was revoked`));
    } finally {
      late.killGroup();
    }
  });

  test('no page errors under the server CSP', () => {
    assert.deepEqual(pageErrors, []);
  });
});
