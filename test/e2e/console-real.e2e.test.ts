/**
 * The console against the real stack: server/index.ts (SQLite in a temp dir) serving
 * renderer/dist, with three real agents (agent/index.ts) in this process. Screenshots go to
 * artifacts/screenshots/real-*.png. renderer/dist is built when missing (E2E_BUILD=1 forces a rebuild).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { importYaml, openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');

let stack: RealStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

async function selectHosts(hosts: readonly string[]): Promise<void> {
  await nav('Hosts');
  await page.getByRole('button', { name: 'Select none' }).click();
  for (const h of hosts) await page.getByRole('table', { name: 'Hosts' }).getByRole('checkbox', { name: h, exact: true }).check();
  await nav('Builder');
}

async function deploy(question: string): Promise<void> {
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.getByRole('dialog').getByRole('heading', { name: question }).waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Deploy now' }).click();
  await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
}

async function waitDone(): Promise<void> {
  await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
  const strip = page.getByRole('group', { name: 'Hosts by status' });
  for (let i = 0; i < 100 && !/0\s*queued\s*0\s*running/.test(await strip.innerText()); i++) await page.waitForTimeout(50);
}

describe('console e2e (real server and agents)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ({ browser, page } = await openBrowserPage(pageErrors, { acceptDownloads: true }));
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('drag RUN, fill Command, skip cache, pick two hosts, deploy: each host streams its own stdout and stderr', async () => {
    assert.ok(!page.url().includes('token='));
    await selectHosts(['node-1', 'node-2']);
    await page
      .getByRole('region', { name: 'Components' })
      .getByRole('button', { name: 'RUN', exact: true })
      .dragTo(page.getByRole('region', { name: 'Orchestration' }));
    await page.getByLabel('Command').fill('echo "out from $PWD"; echo oops >&2');
    await page.getByText('More', { exact: true }).click();
    await page.getByLabel('Skip cache').check();
    assert.match(
      await page.getByRole('textbox', { name: 'YAML source' }).inputValue(),
      /- RUN: --skip-cache echo "out from \$PWD"; echo oops >&2\n/,
    );
    await deploy('Deploy 1 step to 2 hosts?');
    for (const host of ['node-1', 'node-2']) {
      const log = page.getByRole('region', { name: `Output: ${host}` }).getByRole('log');
      await log.getByText(/^out from \//).waitFor();
      await log.locator('.stderr', { hasText: 'oops' }).waitFor();
    }
    assert.equal(await page.getByRole('region', { name: 'Output: node-3' }).count(), 0);
    await waitDone();
    await page.screenshot({ path: join(SHOTS, 'real-01-run.png') });
  });

  test('history after a reload reopens the run with output stored in SQLite', async () => {
    await page.reload();
    await page.getByText('3 of 3 hosts online').waitFor();
    await nav('History');
    const rows = page.getByRole('table', { name: 'Runs' }).getByRole('row');
    await rows.nth(1).waitFor();
    await page.screenshot({ path: join(SHOTS, 'real-02-history.png') });
    await rows.nth(1).getByRole('button', { name: 'untitled.yaml' }).click();
    await page.waitForURL(/#\/run\//);
    await page
      .getByRole('region', { name: 'Output: node-2' })
      .getByRole('log')
      .getByText(/^out from \//)
      .waitFor();
  });

  test('re-run failed hosts re-runs only the failed (job, host) pairs', async () => {
    await nav('Builder');
    const yaml =
      '- name: breaks\n  targets: [node-1]\n  jobs:\n  - RUN: --skip-cache echo failing; exit 3\n- name: fine\n  targets: [node-2, node-3]\n  jobs:\n  - RUN: --skip-cache echo fine\n';
    await importYaml(page, 'partial.yaml', yaml);
    await deploy('Deploy 2 steps to 3 hosts?');
    await waitDone();
    assert.match(await page.getByRole('group', { name: 'Hosts by status' }).innerText(), /2\s*succeeded\s*1\s*failed/);
    await page
      .getByRole('region', { name: 'Output: node-1' })
      .getByText(/failed · exit 3/)
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'real-03-partial-failure.png') });
    await page.getByRole('button', { name: 'Re-run failed hosts' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Re-run failed' }).click();
    await page.getByText(/re-run of/).waitFor();
    await waitDone();
    assert.equal(await page.getByRole('region', { name: /^Output: / }).count(), 1);
    await page.getByRole('region', { name: 'Output: node-1' }).getByRole('log').getByText('failing', { exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'real-04-rerun-failed.png') });
  });

  test('library items are stored by the server', async () => {
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Library' });
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    await panel
      .getByRole('list', { name: 'Saved orchestrations' })
      .getByRole('button', { name: /^partial\b/ })
      .waitFor();
    await page.reload();
    await page.getByText('3 of 3 hosts online').waitFor();
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page
      .getByRole('complementary', { name: 'Library' })
      .getByRole('button', { name: /^partial\b/ })
      .waitFor();
  });

  test('no page errors under the server CSP', () => {
    assert.deepEqual(pageErrors, []);
  });
});
