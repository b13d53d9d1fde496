/**
 * Safe rollouts in the console (issue #17), real Chromium against the real stack (3 agents):
 * import a file, set Rollout serial 1 with approvals in the Deploy dialog (written as YAML
 * keys), look at the Plan grid, deploy, approve twice, and see the waves go by.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');

let stack: RealStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
const wave = (n: number) => page.getByRole('region', { name: 'Rollout' }).locator(`li[data-wave="${n}"]`);

describe('console rollout e2e (real server and agents, Chromium)', { timeout: 180_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ({ browser, page } = await openBrowserPage(pageErrors));
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('deploy with serial 1 and approvals: approve twice, the waves run one after the other', { timeout: 120_000 }, async () => {
    await nav('Builder');
    const yaml = '- name: rolling\n  targets: [node-1, node-2, node-3]\n  jobs:\n  - RUN: --skip-cache echo rolled\n';
    await page
      .getByLabel('Import YAML file')
      .setInputFiles({ name: 'rolling.yaml', mimeType: 'application/yaml', buffer: Buffer.from(yaml) });
    await page.getByRole('region', { name: 'YAML' }).getByText('rolling.yaml', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Deploy 1 step to 3 hosts?' }).waitFor();
    await dialog.getByLabel('Serial').fill('1');
    await dialog.getByLabel('Approve each wave').check();
    await dialog.getByRole('button', { name: 'Plan' }).click();
    const grid = dialog.getByRole('table', { name: 'Plan' });
    await grid.waitFor();
    assert.match(await dialog.innerText(), /Waves of rolling: 1: node-1 \| 2: node-2 \| 3: node-3/);
    assert.equal(await grid.getByText('will run').count(), 3);
    assert.match(await page.getByRole('textbox', { name: 'YAML source' }).inputValue(), /serial: 1\n\s*approve: true\n/);
    page.on('dialog', (d) => void d.accept());
    await dialog.getByRole('button', { name: 'Deploy now' }).click();
    const strip = page.getByRole('region', { name: 'Rollout' });
    await strip.waitFor();
    await strip.getByText('Waiting for approval before wave 2 of 3.').waitFor({ timeout: 30_000 });
    assert.match((await wave(1).getAttribute('class')) ?? '', /w-done/);
    assert.match((await wave(2).getAttribute('class')) ?? '', /w-pending/);
    await page.screenshot({ path: join(SHOTS, 'rollout-01-awaiting.png') });
    await strip.getByRole('button', { name: 'Approve' }).click();
    await strip.getByText('Waiting for approval before wave 3 of 3.').waitFor({ timeout: 30_000 });
    assert.match((await wave(2).getAttribute('class')) ?? '', /w-done/);
    await strip.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('region', { name: 'Output: node-3' })
      .getByRole('log')
      .getByText('rolled', { exact: true })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
    for (const n of [1, 2, 3]) assert.match((await wave(n).getAttribute('class')) ?? '', /w-done/, `wave ${n}`);
    await page.screenshot({ path: join(SHOTS, 'rollout-02-done.png') });
    assert.deepEqual(pageErrors, []);
  });
});
