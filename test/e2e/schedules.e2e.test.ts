/**
 * The Schedules page in Debian's Chromium against the real server and a real agent: "Schedule…"
 * on a Library item opens the page on it, an every-2-seconds schedule added there lists its next fire
 * times and starts real runs, History filters them by requested-by, and Pause stops them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { io } from 'socket.io-client';
import type { Result } from '../../protocol/result.js';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack } from './real-stack.js';

test('Schedules page: add from a Library item, runs appear in History under schedule:NAME, pause', { timeout: 120_000 }, async () => {
  await ensureRendererBuilt();
  const stack = await startRealStack({ agents: 1 });
  const errors: string[] = [];
  const { browser, page } = await openBrowserPage(errors);
  const socket = io(`${stack.url}/ui`, {
    transports: ['websocket'],
    auth: { token: stack.token, client: 'e2e' },
    forceNew: true,
    reconnection: false,
  });
  try {
    const saved = (await socket
      .timeout(10_000)
      .emitWithAck('library:save', { name: 'heartbeat', yaml: '- jobs:\n  - RUN: --skip-cache echo beat\n' })) as Result<{ id: string }>;
    assert.ok(saved.ok);
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('1 of 1 hosts online').waitFor();
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page
      .getByRole('list', { name: 'Saved orchestrations' })
      .getByRole('button', { name: /heartbeat/ })
      .click();
    await page.getByRole('button', { name: 'Schedule…' }).click();
    const form = page.getByRole('form', { name: 'Add a schedule' });
    assert.equal(await form.getByLabel('Library item').inputValue(), 'heartbeat');
    await form.getByLabel('Schedule name').fill('e2e');
    await form.getByLabel('Cron expression').fill('*/2 * * * * *');
    await form.getByLabel('Target').fill('node-1');
    await form.getByLabel('Overlap policy').selectOption('allow');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const row = page.getByRole('table', { name: 'Schedules' }).getByRole('row', { name: /e2e/ });
    await row.waitFor();
    assert.equal(await row.locator('td').nth(5).locator('div').count(), 5, 'the next five fire times');
    assert.match((await row.textContent()) ?? '', /library:heartbeat/);

    await page.waitForTimeout(4500);
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByText('paused').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
    await page.getByLabel('Requested by').fill('schedule:e2e');
    await page.getByLabel('Requested by').press('Enter');
    const runs = page.getByRole('table', { name: 'Runs' }).locator('tbody tr');
    await page.getByRole('table', { name: 'Runs' }).locator('td.empty').waitFor({ state: 'detached' });
    const n = await runs.count();
    assert.ok(n >= 1, `runs listed under schedule:e2e: ${n}`);
    assert.match((await runs.first().textContent()) ?? '', /library:heartbeat/);
    await page.getByLabel('Requested by').fill('schedule:other');
    await page.getByLabel('Requested by').press('Enter');
    await page.getByText('No runs match.').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    socket.close();
    await browser.close();
    await stack.close();
  }
});
