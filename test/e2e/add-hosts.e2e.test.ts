/**
 * The console's "Add hosts" against the real stack: a real server (SQLite in a temp dir) serving
 * a private build of the current renderer, Debian's Chromium, and a real OpenSSH server on
 * loopback (test/ssh/sshd-fixture.ts). The dialog bootstraps one host with a key file; its
 * progress shows per step, the agent appears online in Hosts; installed again after its files were
 * deleted, the taken name is reported and "Revoke and retry" brings it back; a host whose key is
 * refused shows its error and what to do. Screenshots: artifacts/screenshots/add-hosts-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage, openEmptyHosts } from './browser.js';
import { silentLogger } from '../../protocol/log.js';
import { ensureRendererBuilt, ROOT } from './build-renderer.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { bundles } from '../integration/harness.js';
import { killInstalledAgents } from '../ssh/installed-agents.js';
import { startSshd, type SshdFixture } from '../ssh/sshd-fixture.js';

const SHOTS = join(ROOT, 'artifacts/screenshots');

describe('console: Add hosts over SSH', { timeout: 300_000 }, () => {
  let sshd: SshdFixture;
  let server: DirectordServer;
  let browser: Browser;
  let page: Page;
  let work: string;
  const prefix = () => join(work, 'agent-prefix');
  const pageErrors: string[] = [];
  const address = () => `${sshd.user}@127.0.0.1:${sshd.port}`;

  /** Opens Add hosts (a fresh form when a bootstrap is shown) and fills in the sshd host; `shot` before installing. */
  async function installHost(keyFile: string, installPrefix: string, shot?: string) {
    await page.getByRole('button', { name: 'Add hosts', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add hosts' });
    await dialog.getByRole('heading', { name: 'Add hosts' }).waitFor();
    const again = dialog.getByRole('button', { name: 'Add more' });
    if (await again.isVisible()) await again.click();
    await dialog.getByLabel('Addresses').fill(address());
    await dialog.getByRole('textbox', { name: 'Key file' }).fill(keyFile);
    await dialog.getByLabel('Install prefix').fill(installPrefix);
    if (shot) await page.screenshot({ path: join(SHOTS, shot) });
    await dialog.getByRole('button', { name: 'Install agents' }).click();
    return dialog;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'directord-add-hosts-'));
    await ensureRendererBuilt();
    sshd = await startSshd();
    server = await createServer({
      dataDir: join(work, 'data'),
      port: 0,
      staticDir: join(ROOT, 'renderer/dist'),
      log: silentLogger,
      agentBundle: (await bundles()).agent,
    });
    ({ browser, page } = await openBrowserPage(pageErrors, { viewport: { width: 1280, height: 860 } }));
    await openEmptyHosts(page, `${server.url}/?token=${server.uiToken}`, join(SHOTS, 'add-hosts-0-start-failed.png'), pageErrors);
  });

  after(async () => {
    killInstalledAgents(work ? [prefix()] : []);
    await browser?.close();
    await server?.close();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the dialog installs an agent on one host, shows each step, and the host appears online in Hosts', async () => {
    const dialog = await installHost(sshd.clientKey, prefix(), 'add-hosts-1-form.png');
    const item = dialog.getByRole('listitem', { name: address() });
    await item.getByText('127.0.0.1 is online').waitFor({ timeout: 90_000 });
    await dialog.getByText('Done: 1 of 1 online').waitFor();
    await page.screenshot({ path: join(SHOTS, 'add-hosts-2-online.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();

    const row = page.getByRole('table', { name: 'Hosts' }).getByRole('row').filter({ hasText: '127.0.0.1' });
    await row.getByText('online', { exact: true }).waitFor();
    await page.getByText('1 of 1 shown').waitFor();
    await page.screenshot({ path: join(SHOTS, 'add-hosts-3-hosts.png') });
  });

  test('installing again after the files of the first install were deleted: name-taken, then "Revoke and retry" brings it online', async () => {
    killInstalledAgents([prefix()]);
    rmSync(prefix(), { recursive: true, force: true });
    const dialog = await installHost(sshd.clientKey, prefix());
    const alert = dialog.getByRole('alert');
    await alert.getByText(/^name-taken: the agent on \S+@127\.0\.0\.1:\d+ exited before it came online/).waitFor({ timeout: 90_000 });
    await alert.getByText(/What to do: The server already has an agent named 127\.0\.0\.1/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'add-hosts-5-name-taken.png') });
    await dialog.getByRole('button', { name: 'Revoke 127.0.0.1 and retry' }).click();
    await dialog.getByRole('listitem', { name: address() }).getByText('127.0.0.1 is online').waitFor({ timeout: 90_000 });
    await dialog.getByText('Done: 1 of 1 online').waitFor();
    await page.screenshot({ path: join(SHOTS, 'add-hosts-6-retried.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('a refused key shows the error and what to do', async () => {
    const dialog = await installHost(sshd.wrongKey, join(work, 'never'));
    const alert = dialog.getByRole('alert');
    await alert.getByText(/^auth-failed: authentication failed on 127\.0\.0\.1:\d+/).waitFor({ timeout: 60_000 });
    await alert.getByText(/What to do: The host refused the key/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'add-hosts-4-auth-failed.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  test('no page errors under the server CSP', () => {
    assert.deepEqual(pageErrors, []);
  });
});
