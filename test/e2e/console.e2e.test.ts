/**
 * The console in Debian's Chromium (playwright-core), against the renderer's mock server
 * (renderer/dev/mock-server.ts) serving renderer/dist under a strict CSP. Screenshots go to
 * artifacts/screenshots/. renderer/dist is built when missing (E2E_BUILD=1 forces a rebuild).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureRendererBuilt } from './build-renderer.js';
import { importYaml as importYamlFile } from './browser.js';
import { startMockServer, type MockServer } from '../../renderer/dev/mock-server.js';
import { DIRECTORD_FIXTURES } from '../fixtures/directord.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');
const FIXTURES = DIRECTORD_FIXTURES;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: MockServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function view(name: 'Builder' | 'Hosts' | 'History' | 'Run'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
}

async function importYaml(fileName: string, text: string): Promise<void> {
  await view('Builder');
  await importYamlFile(page, fileName, text);
}

async function exportYaml(): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export YAML' }).click()]);
  const path = await download.path();
  return readFileSync(path, 'utf8');
}

async function selectHosts(hosts: readonly string[]): Promise<void> {
  await view('Hosts');
  await page.getByRole('button', { name: 'Select none' }).click();
  const table = page.getByRole('table', { name: 'Hosts' });
  for (const h of hosts) await table.getByRole('checkbox', { name: h, exact: true }).check();
}

async function deploy(expected: RegExp): Promise<void> {
  await view('Builder');
  const button = page.getByRole('button', { name: 'Deploy', exact: true });
  await assert.doesNotReject(button.waitFor());
  assert.equal(await button.isEnabled(), true, await page.locator('#deploy-reason').innerText());
  await button.click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.getByRole('heading').innerText(), expected);
  await dialog.getByRole('button', { name: 'Deploy now' }).click();
  await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
}

async function waitRunDone(): Promise<void> {
  await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 20_000 });
  // Host states arrive batched per animation frame: wait until none is queued or running.
  const strip = page.getByRole('group', { name: 'Hosts by status' });
  for (let i = 0; i < 100 && !/^0\s*queued\s*0\s*running/m.test((await strip.innerText()).replace(/^\d+ hosts\s*/, '')); i++)
    await page.waitForTimeout(50);
}

describe('console e2e (mock server)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    server = await startMockServer({ port: 0, hosts: 6, token: 'e2e-token' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`${server.url}/?token=${server.token}#/builder`);
    await page.getByText('6 of 6 hosts online').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the token leaves the address bar and the page obeys the CSP', async () => {
    assert.ok(!page.url().includes('token='), page.url());
    await shot('01-builder-empty');
  });

  test('drag RUN onto the orchestration, fill Command, select hosts, deploy, see each host’s own output', async () => {
    await selectHosts(['web-01', 'web-02', 'api-01']);
    await shot('02-hosts-selected');
    await view('Builder');
    await page.getByRole('button', { name: 'Add entry' }).first().waitFor();
    const palette = page.getByRole('region', { name: 'Components' });
    const orchestration = page.getByRole('region', { name: 'Orchestration' });
    await palette.getByRole('button', { name: 'RUN', exact: true }).dragTo(orchestration);
    const steps = orchestration.getByRole('listitem');
    assert.equal(await steps.count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Deploy', exact: true }).isDisabled(), true, 'empty Command must block Deploy');
    assert.match(await page.locator('#deploy-reason').innerText(), /Command: Required/);
    await page.getByLabel('Command').fill('hostname');
    assert.match(await page.getByRole('textbox', { name: 'YAML source' }).inputValue(), /- RUN: hostname\n/);
    await shot('03-builder-step');
    await deploy(/^Deploy 1 step to 3 hosts\?$/);
    for (const host of ['web-01', 'web-02', 'api-01']) {
      const pane = page.getByRole('region', { name: `Output: ${host}` });
      const log = pane.getByRole('log');
      await log.getByText(host, { exact: true }).waitFor();
      assert.match(await log.innerText(), new RegExp(`^RUN hostname\\b.*\\n${host}\\s*$`));
    }
    await waitRunDone();
    await shot('04-run-output');
  });

  test('history survives a reload and reopens a run with its stored output', async () => {
    await page.reload();
    await page.getByText('6 of 6 hosts online').waitFor();
    await view('History');
    const table = page.getByRole('table', { name: 'Runs' });
    await table.getByRole('row').nth(1).waitFor();
    assert.ok((await table.getByRole('row').count()) >= 2);
    await shot('05-history');
    await table.getByRole('row').nth(1).click();
    await page.getByRole('region', { name: 'Output: web-02' }).getByRole('log').getByText('web-02', { exact: true }).waitFor();
  });

  test('re-run failed hosts runs only the hosts that failed', async () => {
    await importYaml('flaky.yaml', '# flaky\n- jobs:\n  - RUN: flaky deploy step\n');
    await selectHosts(['api-01', 'cache-01', 'db-01', 'web-01']);
    await deploy(/^Deploy 1 step to 4 hosts\?$/);
    await waitRunDone();
    const strip = page.getByRole('group', { name: 'Hosts by status' });
    assert.match(await strip.innerText(), /2\s*succeeded[\s\S]*2\s*failed/);
    await shot('06-run-failed');
    await page.getByRole('button', { name: 'Re-run failed hosts' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Re-run failed' }).click();
    await page.getByText(/re-run of/).waitFor();
    await waitRunDone();
    const panes = page.getByRole('region', { name: /^Output: / });
    assert.equal(await panes.count(), 2);
    await shot('07-rerun-failed');
  });

  test('a running deployment can be cancelled', async () => {
    await importYaml('slow.yaml', '- jobs:\n  - RUN: sleep 30\n');
    await selectHosts(['web-01', 'db-01']);
    await deploy(/^Deploy 1 step to 2 hosts\?$/);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('dialog', { name: 'Cancel 2 jobs on 2 hosts?' }).getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('status').getByText('Cancelled 2 jobs').waitFor();
    await waitRunDone();
    assert.match(await page.getByRole('group', { name: 'Hosts by status' }).innerText(), /2\s*cancelled/);
  });

  test('every fixture imports without loss and exports byte for byte', async () => {
    for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const started = Date.now();
      await importYaml(name, text);
      assert.equal(
        await page
          .getByRole('region', { name: 'YAML' })
          .getByText(/errors? —/)
          .count(),
        0,
        name,
      );
      const exported = await exportYaml();
      assert.equal(exported, text, `${name} changed on export`);
      assert.ok(Date.now() - started < 10_000, `${name} took too long`);
      if (name === 'comparison-orchestration.yaml') {
        assert.ok(
          (await page.getByRole('region', { name: 'Orchestration' }).getByRole('listitem').count()) <= 200,
          'long entries must be collapsed',
        );
        await shot('08-builder-1000-jobs');
      }
    }
  });

  test('an invalid YAML edit shows its line and column and keeps the builder', async () => {
    await importYaml('example.yaml', readFileSync(join(FIXTURES, 'example.yaml'), 'utf8'));
    const before = await page.getByRole('region', { name: 'Orchestration' }).getByRole('listitem').count();
    const source = page.getByRole('textbox', { name: 'YAML source' });
    await source.fill('- jobs:\n  - RUN: echo ok\n  - RUN: [unclosed\n');
    const errors = page.getByRole('region', { name: 'YAML' }).getByRole('button', { name: /example\.yaml:\d+:\d+: / });
    await errors.first().waitFor();
    assert.match(await errors.first().innerText(), /^example\.yaml:[34]:\d+: /);
    assert.equal(await page.getByRole('region', { name: 'Orchestration' }).getByRole('listitem').count(), before);
    assert.equal(await page.getByRole('button', { name: 'Deploy', exact: true }).isDisabled(), true);
    await shot('09-yaml-error');
    await page.getByRole('button', { name: 'Revert YAML' }).click();
  });

  test('keyboard: palette Enter adds a step; Move up, Duplicate, Delete; Ctrl+Z / Ctrl+Shift+Z', async () => {
    await importYaml('keys.yaml', '# keys\n- name: k\n  jobs:\n  - RUN: echo one\n');
    const orchestration = page.getByRole('region', { name: 'Orchestration' });
    const steps = orchestration.getByRole('listitem');
    const yaml = page.getByRole('textbox', { name: 'YAML source' });
    await page.getByRole('region', { name: 'Components' }).getByRole('button', { name: 'ECHO', exact: true }).press('Enter');
    assert.equal(await steps.count(), 2);
    await page.getByRole('textbox', { name: 'Text', exact: true }).fill('hello');
    await page.getByRole('button', { name: 'Move up' }).click();
    assert.equal(await yaml.inputValue(), '# keys\n- name: k\n  jobs:\n  - ECHO: hello\n  - RUN: echo one\n');
    await page.getByRole('button', { name: 'Duplicate' }).click();
    assert.equal(await steps.count(), 3);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    assert.equal(await steps.count(), 2);
    await steps.first().getByRole('button').first().focus();
    await page.keyboard.press('Control+z');
    assert.equal(await steps.count(), 3);
    await page.keyboard.press('Control+Shift+z');
    assert.equal(await steps.count(), 2);
    await page.getByRole('button', { name: 'Undo' }).click();
    assert.equal(await steps.count(), 3);
    await shot('10-keyboard-editing');
  });

  test('library: save, duplicate, rename, export, open, delete', async () => {
    await importYaml('lib.yaml', '# library item\n- jobs:\n  - RUN: echo saved\n');
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Library' });
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    const items = panel.getByRole('list', { name: 'Saved orchestrations' });
    await items.getByRole('button', { name: /^lib\b/ }).click();
    await panel.getByRole('button', { name: 'Duplicate' }).click();
    await items.getByRole('button', { name: /^lib copy/ }).waitFor();
    await panel.getByRole('button', { name: 'Rename' }).click();
    await panel.getByLabel('New name').fill('renamed copy');
    await panel.getByRole('button', { name: 'Rename' }).click();
    await items.getByRole('button', { name: /^renamed copy/ }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export as .yaml' }).click()]);
    assert.equal(download.suggestedFilename(), 'renamed-copy.yaml');
    assert.equal(readFileSync(await download.path(), 'utf8'), '# library item\n- jobs:\n  - RUN: echo saved\n');
    await shot('11-library');
    await panel.getByRole('button', { name: 'Delete' }).click();
    await panel.getByRole('button', { name: 'Confirm delete' }).click();
    await items.getByRole('button', { name: /^renamed copy/ }).waitFor({ state: 'detached' });
    await items.getByRole('button', { name: /^lib\b/ }).click();
    await panel.getByRole('button', { name: 'Open' }).click();
    assert.equal(await page.getByRole('textbox', { name: 'YAML source' }).inputValue(), '# library item\n- jobs:\n  - RUN: echo saved\n');
    await page.getByRole('button', { name: 'Close library' }).click();
  });

  test('a wrong token shows the unauthorized banner', async () => {
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await other.goto(`${server.url}/`);
    await other.getByRole('alert').getByText('Not authorized.').waitFor();
    await other.screenshot({ path: join(SHOTS, '12-unauthorized.png') });
    await other.close();
  });

  test('no CSP violations or page errors', () => {
    assert.deepEqual(
      pageErrors.filter((e) => !/favicon/.test(e)),
      [],
    );
  });
});
