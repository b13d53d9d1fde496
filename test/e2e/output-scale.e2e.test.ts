/**
 * Live output at scale: 50 hosts × 10,000 lines streamed into the Run view (mock server).
 * Checks that only visible lines are in the DOM, the page keeps painting frames, search and
 * download work on a full log.
 * renderer/dist is built when missing (E2E_BUILD=1 forces a rebuild).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureRendererBuilt } from './build-renderer.js';
import { startMockServer, type MockServer } from '../../renderer/dev/mock-server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');
const HOSTS = 50;
const LINES = 10_000;

let server: MockServer;
let browser: Browser;
let page: Page;

describe('live output at scale (mock server)', { timeout: 300_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    server = await startMockServer({ port: 0, hosts: HOSTS, token: 'scale', offlineEvery: 0 });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto(`${server.url}/?token=${server.token}#/builder`);
    await page.getByText(`${HOSTS} of ${HOSTS} hosts online`).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test(`${HOSTS} hosts × ${LINES} lines stay virtualised and responsive`, async () => {
    await page
      .getByLabel('Import YAML file')
      .setInputFiles({ name: 'spam.yaml', mimeType: 'application/yaml', buffer: Buffer.from(`- jobs:\n  - RUN: spam ${LINES}\n`) });
    await page.getByRole('region', { name: 'YAML' }).getByText('spam.yaml', { exact: true }).waitFor();
    // Frame monitor: the longest gap between two animation frames while output streams in.
    await page.evaluate(
      `(() => { window.__gaps = []; let last = performance.now(); const tick = (t) => { window.__gaps.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`,
    );
    const started = Date.now();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page
      .getByRole('dialog')
      .getByRole('heading', { name: `Deploy 1 step to ${HOSTS} hosts?` })
      .waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Deploy now' }).click();
    const strip = page.getByRole('group', { name: 'Hosts by status' });
    await strip.waitFor();
    let text = '';
    for (let i = 0; i < 600; i++) {
      text = await strip.innerText();
      if (new RegExp(`${HOSTS}\\s*succeeded`).test(text)) break;
      await page.waitForTimeout(200);
    }
    assert.match(text, new RegExp(`${HOSTS}\\s*succeeded`));
    const elapsed = Date.now() - started;
    const gaps = (await page.evaluate('(() => { window.__stop = true; return window.__gaps; })()')) as number[];
    const sorted = [...gaps].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
    const worst = sorted[sorted.length - 1] ?? 0;
    console.log(
      `scale: ${HOSTS}×${LINES} lines in ${elapsed} ms; frames ${gaps.length}, p95 gap ${p95.toFixed(0)} ms, worst ${worst.toFixed(0)} ms`,
    );
    const domLines = await page.locator('.line').count();
    assert.ok(domLines < HOSTS * 60, `only visible lines belong in the DOM, found ${domLines}`);
    assert.ok(worst < 2500, `the page froze for ${worst} ms`);
    await page.screenshot({ path: join(SHOTS, '13-scale-50-hosts.png') });

    const pane = page.getByRole('region', { name: 'Output: api-05' });
    await pane.getByRole('searchbox').fill('line 9999 of');
    await pane.getByRole('button', { name: 'Next match' }).click();
    await pane.getByText('1/1').waitFor();
    await pane
      .getByRole('log')
      .getByText(/line 9999 of 10000/)
      .waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), pane.getByRole('button', { name: /^Download log of / }).click()]);
    const log = readFileSync(await download.path(), 'utf8');
    assert.ok(log.split('\n').length > LINES * 0.98, 'the downloaded log has every line');
    await page.screenshot({ path: join(SHOTS, '14-scale-search.png') });
  });
});
