/**
 * The inventory in the console, in Chromium against the real server and three real agents
 * (issue #16): import an Ansible INI file, open a group, type a pattern, save a pattern as a smart
 * group (listed in the tree with a live count), edit a group's vars (a YAML error named by line
 * and column, then saved and read back after a reload) and a host's labels, prefill Add hosts
 * from ansible_user, deploy to a pattern and see output from exactly its hosts.
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

  test('a smart group from the pattern box, in the tree with a live count; vars and labels editors save', async () => {
    const inv = page.getByRole('region', { name: 'Inventory' });
    const count = page.getByTestId('pattern-count');
    await page.getByLabel('Target pattern', { exact: true }).fill('label:env=prod');
    await count.filter({ hasText: 'matches no host' }).waitFor();
    await page.getByLabel('Smart group name').fill('prod-hosts');
    await page.getByRole('button', { name: 'Save as smart group' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved smart group prod-hosts = label:env=prod' }).waitFor();
    const smart = inv.getByRole('list', { name: 'Smart groups' }).locator('[data-smart="prod-hosts"]');
    await smart.getByTestId('smart-count').filter({ hasText: /^0$/ }).waitFor();
    // A name that is a group is refused by the server, naming the clash.
    await page.getByLabel('Target pattern', { exact: true }).fill('node-1');
    await page.getByLabel('Smart group name').fill('web');
    await page.getByRole('button', { name: 'Save as smart group' }).click();
    await page.getByRole('status').filter({ hasText: 'smart group web: a group is named web already' }).waitFor();

    // Labels: add env=prod to node-1 and node-3; the smart group's count follows live.
    await page.getByLabel('Target pattern', { exact: true }).fill('web');
    for (const host of ['node-1', 'node-3']) {
      await inv.getByRole('button', { name: `Edit host ${host}`, exact: true }).click();
      const editor = inv.getByRole('region', { name: `Edit host ${host}` });
      await editor.getByLabel('New label').fill('env=prod');
      await editor.getByRole('button', { name: 'Add label' }).click();
      await editor
        .getByRole('status')
        .filter({ hasText: `Labelled ${host} env=prod` })
        .waitFor();
    }
    await smart.getByTestId('smart-count').filter({ hasText: /^2$/ }).waitFor();
    await inv.getByRole('region', { name: 'Edit host node-3' }).getByRole('button', { name: 'Remove label env' }).click();
    await smart.getByTestId('smart-count').filter({ hasText: /^1$/ }).waitFor();
    await inv.getByRole('button', { name: 'Smart group prod-hosts', exact: true }).click();
    await count.filter({ hasText: /^\s*1 hosts match\s*$/ }).waitFor();

    // Group vars: a YAML error names line and column; a good text saves and survives a reload.
    await inv.getByRole('button', { name: 'Edit vars of group web' }).click();
    const editor = inv.getByRole('region', { name: 'Edit group web' });
    const vars = editor.getByLabel('Vars of web');
    await vars.fill('http_port: 8080\nusers: [a, b\nnext: 1\n');
    await editor
      .getByTestId('vars-error')
      .filter({ hasText: /^line 3, column 1: / })
      .waitFor();
    assert.equal(await editor.getByRole('button', { name: 'Save vars' }).isDisabled(), true);
    await vars.fill('http_port: 8080\nusers: [a, b]\n');
    await editor.getByRole('button', { name: 'Save vars' }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved the vars of web' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'inventory-smart-vars.png') });
    await page.reload();
    await page.getByText('3 of 3 hosts online').waitFor();
    await nav('Hosts');
    await inv.getByRole('button', { name: 'Edit vars of group web' }).click();
    await inv.getByRole('region', { name: 'Edit group web' }).getByLabel('Vars of web').waitFor();
    assert.equal(
      await inv.getByRole('region', { name: 'Edit group web' }).getByLabel('Vars of web').inputValue(),
      'http_port: 8080\nusers:\n  - a\n  - b\n',
    );
    await inv.locator('[data-smart="prod-hosts"]').getByTestId('smart-count').filter({ hasText: /^1$/ }).waitFor();

    // Add hosts, for a selected host with no agent: prefilled from its ansible_user.
    await page.getByLabel('Target pattern', { exact: true }).fill('db[0]');
    await inv.getByLabel('Select db-01.example.com').check();
    await page.getByRole('button', { name: 'Add hosts', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('prefilled').waitFor();
    assert.equal(await dialog.getByLabel('Addresses').inputValue(), 'admin@db-01.example.com');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await inv.getByLabel('Select db-01.example.com').uncheck();
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
  });

  test('History shows the pattern and its hosts; Re-run on current inventory resolves it again, after a confirm', async () => {
    await nav('History');
    const row = page.getByRole('table', { name: 'Runs' }).getByRole('row').nth(1);
    await row.getByTestId('run-pattern').filter({ hasText: /^web$/ }).waitFor();
    assert.match(await row.innerText(), /web → node-1, node-3/);
    // node-3 leaves web (bulk remove of the selected host).
    await nav('Hosts');
    const inv = page.getByRole('region', { name: 'Inventory' });
    await page.getByLabel('Target pattern', { exact: true }).fill('web');
    await inv.getByLabel('Select node-3').check();
    await page.getByLabel('Group for selected hosts').fill('web');
    await inv.getByRole('button', { name: 'Remove selected' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed 1 host(s) from web' }).waitFor();
    await page.getByLabel('Target pattern', { exact: true }).fill('all');
    await inv.getByLabel('Select node-3').uncheck();
    await nav('History');
    await row.getByRole('button', { name: 'untitled.yaml' }).click();
    await page.getByTestId('run-targets').filter({ hasText: 'Target web → node-1, node-3 (2 hosts)' }).waitFor();
    await page.getByRole('button', { name: 'Re-run on current inventory' }).click();
    const confirm = page.getByRole('dialog', { name: 'Re-run 1 step on node-1 of the current inventory?' });
    await confirm.getByText('no longer matched: node-3').waitFor();
    await confirm.getByRole('button', { name: 'Re-run on current inventory' }).click();
    await page.getByTestId('run-targets').filter({ hasText: 'Target web → node-1 (1 host)' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'inventory-rerun-current.png') });
    // The same command on node-1 again (its agent may answer from its cache): one pane, node-1's.
    await page.getByRole('region', { name: 'Output: node-1' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('region', { name: 'Output: node-3' }).count(), 0);
    assert.deepEqual(errors, []);
  });
});
