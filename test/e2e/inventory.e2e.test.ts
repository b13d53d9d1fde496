/**
 * The inventory in the console, in Chromium against the real server and three real agents
 * (issue #16): import an Ansible INI file, open a group, type a pattern, deploy to a pattern and
 * see output from exactly its hosts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');

const INI = `[web]
node-1
node-3

[db]
node-2
db-[01:10].example.com ansible_user=admin

[prod:children]
web
db
`;

describe('inventory in the console (real server and agents, Chromium)', { timeout: 180_000 }, () => {
  let stack: RealStack;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'directord-inventory-e2e-'));
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ({ browser, page } = await openBrowserPage(errors));
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('import a file, open a group, type a pattern', async () => {
    await nav('Hosts');
    const file = join(dir, 'hosts.ini');
    writeFileSync(file, INI);
    await page.getByLabel('Import inventory').setInputFiles(file);
    await page.getByRole('status').filter({ hasText: 'Imported hosts.ini: 13 hosts added' }).waitFor();
    const count = page.getByTestId('pattern-count');
    await page.getByRole('button', { name: 'Group web', exact: true }).click();
    await count.filter({ hasText: /^\s*2 hosts match\s*$/ }).waitFor();
    await page.getByRole('button', { name: 'Group prod', exact: true }).click();
    await count.filter({ hasText: /13 hosts match\s*·\s*10 not enrolled/ }).waitFor();
    await page.getByLabel('Target pattern', { exact: true }).fill('prod:!db-*:!node-3');
    await count.filter({ hasText: /^\s*2 hosts match\s*$/ }).waitFor();
    const shown = await page
      .getByRole('region', { name: 'Inventory' })
      .locator('[data-host]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host')));
    assert.deepEqual(shown, ['node-1', 'node-2']);
    await page.getByLabel('Target pattern', { exact: true }).fill('wbe');
    await count.filter({ hasText: 'no host or group is named "wbe" (closest: web' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'inventory-hosts.png') });
  });

  test('deploy to a pattern: a preview of who runs, then output from exactly those hosts', async () => {
    await nav('Builder');
    await page
      .getByRole('region', { name: 'Components' })
      .getByRole('button', { name: 'RUN', exact: true })
      .dragTo(page.getByRole('region', { name: 'Orchestration' }));
    await page.getByLabel('Command').fill('echo "inventory says hi from $(hostname)"');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Deploy target pattern').fill('web');
    await dialog.getByTestId('deploy-preview').filter({ hasText: 'Will run on 2 hosts: node-1, node-3' }).waitFor();
    await dialog.getByRole('button', { name: 'Deploy now' }).click();
    for (const host of ['node-1', 'node-3']) {
      await page
        .getByRole('region', { name: `Output: ${host}` })
        .getByRole('log')
        .getByText(/^inventory says hi from/)
        .waitFor({ timeout: 30_000 });
    }
    assert.equal(await page.getByRole('region', { name: 'Output: node-2' }).count(), 0);
    await page.screenshot({ path: join(SHOTS, 'inventory-deploy.png') });
    assert.deepEqual(errors, []);
  });
});
