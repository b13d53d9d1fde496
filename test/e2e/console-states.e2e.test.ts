/**
 * Issue #13 items 5-8 in Chromium against the real server and three real agents:
 *  5. a timed-out job's hosts are timed-out (pane, summary strip, History badge and its status filter);
 *  6. relative times come from the server's clock, in a browser whose clock is 10 minutes ahead;
 *  7. a YAML error on line 15 is shown at 15:col; the Deploy banner lists every problem, each a link to its step;
 *  8. History: the internal run of a QUERY nests under its run, an exec run is titled by its command,
 *     host and verb filters apply as you type, "(re-run)" is spaced from the title.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import type { Result } from '../../protocol/result.js';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

let stack: RealStack;
let browser: Browser;
let page: Page;
let ui: Socket<ServerToUiEvents, UiToServerEvents>;
const pageErrors: string[] = [];

/** The browser's clock runs this far ahead of the machine's (and so of the server's). */
const SKEW_MS = 10 * 60_000;
const SKEWED_DATE = `(() => {
  const skew = ${SKEW_MS};
  const Real = Date;
  class Skewed extends Real {
    constructor(...args) { if (args.length === 0) super(Real.now() + skew); else super(...args); }
    static now() { return Real.now() + skew; }
  }
  globalThis.Date = Skewed;
})();`;

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

async function value<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function typeYaml(text: string): Promise<void> {
  await nav('Builder');
  await page.getByRole('textbox', { name: 'YAML source' }).fill(text);
}

async function deployYaml(text: string): Promise<void> {
  await typeYaml(text);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /^Deploy now/ })
    .click();
  await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
}

async function waitSettled(): Promise<void> {
  const strip = page.getByRole('group', { name: 'Hosts by status' });
  const deadline = Date.now() + 30_000;
  while (!/0\s*queued\s*0\s*running/.test(await strip.innerText())) {
    if (Date.now() > deadline) throw new Error(`run did not settle: ${await strip.innerText()}`);
    await page.waitForTimeout(100);
  }
}

async function chip(label: string): Promise<number> {
  const text = await page
    .getByRole('group', { name: 'Hosts by status' })
    .getByRole('button', { name: new RegExp(`^\\d+ ${label}$`) })
    .innerText();
  return Number(text.split(/\s/)[0]);
}

describe('console states, clock, YAML positions and History (real server and agents)', { timeout: 240_000 }, () => {
  before(async () => {
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ({ browser, page } = await openBrowserPage(pageErrors));
    await page.context().addInitScript(SKEWED_DATE);
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
    ui = io(`${stack.url}/ui`, { transports: ['websocket'], auth: { token: stack.token, client: 'cli' }, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      ui.once('connect', () => resolve());
      ui.once('connect_error', reject);
    });
  });

  after(async () => {
    ui?.close();
    await browser?.close();
    await stack?.close();
  });

  test('item 5: a step that timed out makes its hosts timed-out everywhere, not failed', async () => {
    await deployYaml(
      '- name: slow\n  targets: [node-1, node-2]\n  jobs:\n    - RUN: --timeout 1 --skip-cache sleep 30\n    - RUN: --skip-cache echo after\n',
    );
    await waitSettled();
    for (const host of ['node-1', 'node-2']) {
      await page
        .getByRole('region', { name: `Output: ${host}` })
        .locator('.badge', { hasText: /^timed out$/ })
        .waitFor();
    }
    assert.equal(await chip('timed out'), 2);
    assert.equal(await chip('failed'), 0);
    const runId = /#\/run\/([\w-]+)/.exec(page.url())?.[1];
    assert.ok(runId, page.url());

    await nav('History');
    const table = page.getByRole('table', { name: 'Runs' });
    const row = table.getByRole('row').filter({ hasText: runId });
    await row.locator('.badge', { hasText: /^timed out$/ }).waitFor();
    assert.match(await row.innerText(), /2 timed out/);

    const statuses = await page.getByRole('combobox', { name: 'Status' }).locator('option').allInnerTexts();
    assert.deepEqual(statuses, [
      'Any status',
      'running',
      'halted',
      'awaiting approval',
      'succeeded',
      'failed',
      'timed out',
      'lost',
      'cancelled',
    ]);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('timed-out');
    await row.waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('failed');
    await row.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  test('item 6: in a browser 10 minutes ahead, a run started seconds ago says so', async () => {
    assert.ok((await page.evaluate(() => Date.now())) - Date.now() > SKEW_MS - 5000, 'the page clock is skewed');
    await deployYaml('- jobs:\n    - RUN: --skip-cache sleep 1\n');
    const started = page.getByText(/^started (just now|\d+s ago)/);
    await started.waitFor();
    const seconds = /(\d+)s ago/.exec(await started.innerText())?.[1];
    assert.ok(seconds === undefined || Number(seconds) < 15, await started.innerText());
    await waitSettled();
    await nav('History');
    const first = page.getByRole('table', { name: 'Runs' }).getByRole('row').nth(1);
    // Status, Source, By, Verbs, Hosts, Jobs, Started…
    assert.match(await first.locator('td').nth(6).innerText(), /^(just now|\d{1,2}s ago)$/);
  });

  test('item 7: a YAML error on line 15 shows at 15:3; the banner lists all 3 problems, each opening its step', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `# line ${i + 1}`);
    await typeYaml([...lines, '- jobs:', '    - RUN: echo ok', '  name:', '    bad: 1', ''].join('\n'));
    await page.locator('[aria-label="YAML errors"]').getByText('untitled.yaml:15:3: `name` must be text').waitFor();

    await typeYaml('- jobs:\n    - NOPE1: a\n    - RUN: echo fine\n    - NOPE2: b\n    - NOPE3: c\n');
    const list = page.getByRole('group', { name: 'Deploy problems' });
    await list.waitFor();
    assert.match(await page.locator('#deploy-reason').innerText(), /3 problems/);
    const items = await list.locator('.problem').allInnerTexts();
    assert.deepEqual(
      items.map((t) => t.replace(/^• /, '')),
      [
        'Entry 1, step 1: Step 1 (NOPE1): No connected agent offers NOPE1',
        'Entry 1, step 3: Step 3 (NOPE2): No connected agent offers NOPE2',
        'Entry 1, step 4: Step 4 (NOPE3): No connected agent offers NOPE3',
      ],
    );
    await list.getByRole('button', { name: 'Entry 1, step 4' }).click();
    const step = page.locator('[data-step="0-3"]');
    assert.equal(await step.locator('.row').getAttribute('aria-expanded'), 'true');
    assert.equal(await page.evaluate('document.activeElement?.closest("[data-step]")?.dataset.step'), '0-3');
  });

  test('item 8: QUERY results nest under their run; exec runs show their command; host and verb filters are live; "(re-run)" is spaced', async () => {
    const exec = await value(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: 'echo from-the-cli' }] }],
        targets: ['node-1'],
        requestedBy: 'cli',
      }),
    );
    await value(ui.emitWithAck('jobs:await', { jobIds: exec.jobs.map((j) => j.jobId), timeoutMs: 20_000 }));
    await deployYaml('- name: asks\n  jobs:\n    - ARG: qarg-e2e answer\n    - QUERY: qarg-e2e\n');
    await waitSettled();
    const queryRun = /#\/run\/([\w-]+)/.exec(page.url())?.[1] ?? '';
    await value(ui.emitWithAck('runs:rerun', { runId: queryRun }));

    await nav('History');
    const table = page.getByRole('table', { name: 'Runs' });
    const rows = table.getByRole('row');
    await table
      .getByText(/^QUERY /)
      .first()
      .waitFor();
    const texts = await rows.allInnerTexts();
    const parent = texts.findIndex((t) => t.includes(queryRun));
    assert.ok(parent > 0, texts.join('\n---\n'));
    // The internal ARG run of the QUERY sits right under its run, marked as nested.
    assert.match(texts[parent + 1] ?? '', /QUERY [\w-]+ \(internal, part of its run\)/);
    assert.match((await rows.nth(parent + 1).getAttribute('class')) ?? '', /\bnested\b/);
    const topLevel = await table.locator('tbody tr:not(.nested) button.open').allInnerTexts();
    assert.ok(!topLevel.some((t) => t.startsWith('QUERY ')), topLevel.join('\n'));
    assert.ok(
      texts.some((t) => t.includes('exec: RUN echo from-the-cli')),
      texts.join('\n---\n'),
    );
    assert.ok(
      texts.some((t) => /untitled\.yaml \(re-run\)/.test(t)),
      texts.join('\n---\n'),
    );

    // Typed, not entered: the list follows at once.
    await page.getByRole('combobox', { name: 'Host' }).pressSequentially('node-3');
    await table.getByText('exec: RUN echo from-the-cli').waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: 'Host' }).fill('');
    await table.getByText('exec: RUN echo from-the-cli').waitFor();
    await page.getByRole('textbox', { name: 'Verb' }).pressSequentially('query');
    await table.getByText('exec: RUN echo from-the-cli').waitFor({ state: 'detached' });
    assert.ok((await rows.allInnerTexts()).some((t) => t.includes(queryRun)));
    await page.getByRole('button', { name: 'Clear' }).click();
    // The run view names an exec run by its command too.
    await table.getByRole('button', { name: 'exec: RUN echo from-the-cli' }).click();
    await page.getByRole('heading', { level: 1, name: 'exec: RUN echo from-the-cli' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
