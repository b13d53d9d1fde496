/**
 * Issue #15 in Chromium against the real stack: the output search box in History lists the hosts
 * whose stored output matches and opens the run at the line, scrolled into that host's pane; the
 * box in a run searches that run only; a bad query shows a plain message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import type { JobRecord } from '../../protocol/records.js';
import type { RunSubmitted } from '../../protocol/jobs.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

let stack: RealStack;
let browser: Browser;
let page: Page;
let ui: Socket<ServerToUiEvents, UiToServerEvents>;
const pageErrors: string[] = [];

async function run(command: string, targets: string[]): Promise<string> {
  const sent: Result<RunSubmitted> = await ui.timeout(20_000).emitWithAck('runs:submit', {
    kind: 'exec',
    entries: [{ jobs: [{ verb: 'RUN', text: `--skip-cache ${command}` }] }],
    targets,
    requestedBy: 'e2e',
  });
  assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
  const done: Result<JobRecord[]> = await ui
    .timeout(30_000)
    .emitWithAck('jobs:await', { jobIds: sent.value.jobs.map((j) => j.jobId), timeoutMs: 25_000 });
  assert.ok(done.ok && done.value.every((j) => j.targets.every((t) => t.state === 'succeeded' || t.state === 'failed')));
  return sent.value.runId;
}

describe('output search in the console (real server and agents)', { timeout: 180_000 }, () => {
  let full = '';
  let failedRun = '';
  before(async () => {
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ui = io(`${stack.url}/ui`, {
      transports: ['websocket'],
      auth: { token: stack.token, client: 'cli' },
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      ui.once('connect', () => resolve());
      ui.once('connect_error', reject);
    });
    // node-1 prints the line deep in a long log (the pane only draws what is in view), node-2 does not.
    full = await run("seq 1 400; echo 'write /var/tmp/x: No space left on device'; seq 401 600", ['node-1']);
    await run("seq 1 50; echo 'all good here'", ['node-2']);
    failedRun = await run('echo broken; exit 4', ['node-1']);
    ({ browser, page } = await openBrowserPage(pageErrors));
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
  });

  after(async () => {
    ui?.close();
    await browser?.close();
    await stack?.close();
  });

  test('History: lists the matching host and jumps to the line in its pane', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
    const box = page.getByRole('region', { name: 'Search output' });
    await box.getByRole('searchbox', { name: 'Search output text' }).fill('"no space left"');
    await box.getByRole('button', { name: 'Search output' }).click();
    const hosts = box.getByRole('list', { name: 'Matching hosts' });
    await hosts.waitFor();
    assert.match(await hosts.innerText(), /node-1/);
    assert.doesNotMatch(await hosts.innerText(), /node-2/);
    await box.getByRole('status').getByText('1 lines on 1 hosts').waitFor();
    const hit = hosts.getByRole('button', { name: /stdout:401/ });
    await hit.click();
    const pane = page.getByRole('region', { name: 'Output: node-1' });
    const line = pane.getByRole('log').getByText('write /var/tmp/x: No space left on device');
    await line.waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(await line.isVisible(), 'the line is scrolled into view');
    assert.equal(await pane.getByRole('searchbox').inputValue(), 'write /var/tmp/x: No space left on device');
    assert.match(await page.locator('.mono[title="Run id"]').innerText(), new RegExp(full));
  });

  test("Hosts: a host's last runs and last failures, with its counts", async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).click();
    await page.getByRole('table', { name: 'Hosts' }).getByRole('button', { name: 'node-1', exact: true }).click();
    const detail = page.getByRole('complementary', { name: 'Host detail' });
    const recent = detail.getByTestId('host-recent-runs');
    const failures = detail.getByTestId('host-failures');
    await recent.getByRole('button').nth(1).waitFor();
    assert.equal(await recent.getByRole('button').count(), 2, 'node-1 was in two runs');
    assert.match(await recent.getByRole('button').nth(0).innerText(), /failed[\s\S]*0✓ 1✗/);
    assert.match(await recent.getByRole('button').nth(1).innerText(), /succeeded[\s\S]*1✓ 0✗/);
    assert.equal(await failures.getByRole('button').count(), 1);
    await failures.getByRole('button').click();
    await page.locator('.mono[title="Run id"]', { hasText: failedRun }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).click();
    await page.getByRole('table', { name: 'Hosts' }).getByRole('button', { name: 'node-3', exact: true }).click();
    await detail.getByTestId('host-failures').getByText('No failures on this host.').waitFor();
    // Back to the run of the long log for the next test.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
    await page
      .getByRole('region', { name: 'Search output' })
      .getByRole('searchbox', { name: 'Search output text' })
      .fill('"no space left"');
    await page.getByRole('region', { name: 'Search output' }).getByRole('button', { name: 'Search output' }).click();
    await page
      .getByRole('region', { name: 'Search output' })
      .getByRole('button', { name: /stdout:401/ })
      .click();
    await page.locator('.mono[title="Run id"]', { hasText: full }).waitFor();
  });

  test('in a run the box searches that run only; a bad query says what to write', async () => {
    const box = page.getByRole('region', { name: 'Search output' });
    await box.getByRole('searchbox', { name: 'Search output text' }).fill('good');
    await box.getByRole('button', { name: 'Search output' }).click();
    await box.getByRole('status').getByText('No output matches.').waitFor();
    await box.getByRole('searchbox', { name: 'Search output text' }).fill('"unclosed');
    await box.getByRole('button', { name: 'Search output' }).click();
    const alert = box.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /unclosed quote/);
    assert.doesNotMatch(await alert.innerText(), /fts5|syntax/i);
    assert.deepEqual(pageErrors, []);
  });
});
