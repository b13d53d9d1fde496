/**
 * Issue #13, items 1, 2, 3, 4, 11 and 14: the console acts on the run it shows, asks before
 * re-running or cancelling, refuses unknown targets before Deploy, keeps the working
 * orchestration, stays in the app on Back, and runs a command from its first screen. Real
 * server and agents (real-stack.ts) in Debian's Chromium; what the server did is checked over
 * a second /ui connection, not from the page. Screenshots go to docs/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunSubmission } from '../../protocol/jobs.js';
import type { RunDetail, RunSummary } from '../../protocol/records.js';
import { connectUi, req, type UiSocket } from '../integration/harness.js';
import { importYaml, openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'docs/screenshots');

let stack: RealStack;
let browser: Browser;
let page: Page;
let ui: UiSocket;
const pageErrors: string[] = [];

const mainNav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });
const dialog = () => page.getByRole('dialog');
const runIdShown = () => page.getByTitle('Run id');

/** As if the address were pasted: the page is not reloaded, only its hash changes. */
async function setHash(hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

async function submit(text: string, targets: string[]): Promise<string> {
  const submission: RunSubmission = { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text }] }], targets, ignoreCache: true };
  const { runId, jobs } = await req(ui, 'runs:submit', submission);
  await req(ui, 'jobs:await', { jobIds: jobs.map((j) => j.jobId), timeoutMs: 15_000 });
  return runId;
}

async function runsList(): Promise<RunSummary[]> {
  return await req(ui, 'runs:list', { limit: 200 });
}

async function runDetail(runId: string): Promise<RunDetail> {
  return await req(ui, 'runs:get', runId);
}

/** The run the page shows once it has loaded (its id next to the title) and its re-run buttons are usable. */
async function showing(runId: string): Promise<void> {
  await runIdShown().getByText(runId, { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
}

async function newestRunAfter(known: ReadonlySet<string>): Promise<RunSummary> {
  for (let i = 0; i < 100; i++) {
    const fresh = (await runsList()).filter((r) => !known.has(r.runId));
    if (fresh[0]) return fresh[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no new run was submitted');
}

describe('console actions, navigation and the first screen (issue #13)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 3 });
    ui = await connectUi(stack.url, stack.token);
    ({ browser, page } = await openBrowserPage(pageErrors));
  });

  after(async () => {
    ui?.close();
    await browser?.close();
    await stack?.close();
  });

  test('14: the first screen runs a command on all hosts, shown by name, and its output opens at once', async () => {
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('3 of 3 hosts online').waitFor();
    const box = page.getByRole('region', { name: 'Run a command' });
    await box.getByRole('heading', { name: 'Run a command' }).waitFor();
    await box.getByRole('status').getByText('→ all 3 online hosts: node-1, node-2, node-3').waitFor();
    // No runs yet: the empty state points at the command box.
    await page
      .getByRole('region', { name: 'Recent runs' })
      .getByText(/No runs yet\. Type a command above/)
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'first-screen.png') });
    assert.equal(await box.getByRole('button', { name: 'Run', exact: true }).isDisabled(), true, 'no command yet');
    // A host list names hosts; a typo is caught with the closest names.
    const hosts = box.getByLabel('Hosts');
    await hosts.fill('node-1, node2');
    await box.getByText('Unknown host: node2 (closest: node-2, node-1, node-3)').waitFor();
    assert.equal(await box.getByRole('button', { name: 'Run', exact: true }).isDisabled(), true);
    await hosts.fill('all');
    await box.getByLabel('Command').fill('echo first-minute from $PWD');
    await page.screenshot({ path: join(SHOTS, 'command-box.png') });
    await box.getByRole('button', { name: 'Run', exact: true }).click();
    for (const host of stack.agents)
      await page
        .getByRole('region', { name: `Output: ${host}` })
        .getByRole('log')
        .getByText(/^first-minute from \//)
        .waitFor();
    const [run] = await runsList();
    assert.ok(run);
    assert.deepEqual([...run.targets].sort(), ['node-1', 'node-2', 'node-3']);
    assert.match(page.url(), new RegExp(`#/run/${run.runId}$`));
    // The builder is one click away.
    await mainNav('Builder').click();
    await page.getByRole('region', { name: 'Orchestration' }).waitFor();
  });

  test('1: the run view follows the address, and Re-run re-runs the run shown', async () => {
    const a = await submit('echo run-A', ['node-1']);
    const b = await submit('echo run-B', ['node-2']);
    await page.goto(`${stack.url}/?token=${stack.token}#/run/${a}`);
    await showing(a);
    await page.getByRole('region', { name: 'Output: node-1' }).getByRole('log').getByText('run-A', { exact: true }).waitFor();
    await setHash(`#/run/${b}`);
    await showing(b);
    await page.getByRole('region', { name: 'Output: node-2' }).getByRole('log').getByText('run-B', { exact: true }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Output: node-1' }).count(), 0, 'A is no longer shown');
    const known = new Set((await runsList()).map((r) => r.runId));
    await page.getByRole('button', { name: 'Re-run', exact: true }).click();
    await dialog().getByRole('heading', { name: 'Re-run 1 step on node-2?' }).waitFor();
    await dialog().getByRole('button', { name: 'Re-run', exact: true }).click();
    const rerun = await newestRunAfter(known);
    assert.equal(rerun.rerunOf, b, 'the server re-ran B, the run shown');
    assert.deepEqual(rerun.targets, ['node-2']);
    await showing(rerun.runId);
  });

  test('11: Back after History → run → History → run stays in the app, view by view', async () => {
    const a = await submit('echo back-A', ['node-1']);
    const b = await submit('echo back-B', ['node-3']);
    await page.goto(`${stack.url}/?token=${stack.token}#/command`);
    await page.getByRole('region', { name: 'Run a command' }).waitFor();
    const openFromHistory = async (runId: string) => {
      await mainNav('History').click();
      await page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: runId }).click();
      await showing(runId);
    };
    await openFromHistory(a);
    await openFromHistory(b);
    const expect = [
      { hash: '#/history', check: () => page.getByRole('table', { name: 'Runs' }).waitFor() },
      { hash: `#/run/${a}`, check: () => showing(a) },
      { hash: '#/history', check: () => page.getByRole('table', { name: 'Runs' }).waitFor() },
      { hash: '#/command', check: () => page.getByRole('region', { name: 'Run a command' }).waitFor() },
    ];
    for (const step of expect) {
      await page.goBack();
      assert.ok(page.url().startsWith(stack.url), `Back left the app: ${page.url()}`);
      assert.equal(new URL(page.url()).hash, step.hash);
      await step.check();
      assert.equal(
        await mainNav(step.hash === '#/command' ? 'Run a command' : step.hash === '#/history' ? 'History' : 'Run').getAttribute(
          'aria-current',
        ),
        'page',
      );
    }
    await page.goForward();
    await page.getByRole('table', { name: 'Runs' }).waitFor();
  });

  test('2: Re-run, Re-run failed hosts and Cancel run ask first, naming what will happen', async () => {
    await page.goto(`${stack.url}/?token=${stack.token}#/builder`);
    await importYaml(
      page,
      'partial.yaml',
      '- targets: [node-1, node-2, node-3]\n  jobs:\n  - RUN: --skip-cache echo one\n- targets: [node-2]\n  jobs:\n  - RUN: --skip-cache exit 4\n',
    );
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await dialog().getByRole('heading', { name: 'Deploy 2 steps to 3 hosts?' }).waitFor();
    await dialog().getByText('node-1, node-2, node-3').waitFor();
    await dialog().getByRole('button', { name: 'Deploy now' }).click();
    await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
    await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
    const shownId = (await runIdShown().innerText()).trim();
    await page
      .getByRole('region', { name: 'Output: node-2' })
      .getByText(/failed · exit 4/)
      .waitFor();

    const before = (await runsList()).length;
    await page.getByRole('button', { name: 'Re-run', exact: true }).click();
    await dialog().getByRole('heading', { name: 'Re-run 2 steps on 3 hosts?' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'confirm-rerun.png') });
    await dialog().getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog().waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Re-run failed hosts' }).click();
    await dialog().getByRole('heading', { name: 'Re-run 1 failed step on node-2?' }).waitFor();
    await dialog()
      .getByText(/steps that succeeded are not repeated/)
      .waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await runsList()).length, before, 'nothing was re-run while the user said no');
    await page.getByRole('button', { name: 'Re-run failed hosts' }).click();
    await dialog().getByRole('button', { name: 'Re-run failed' }).click();
    await page.getByText(/re-run of/).waitFor();
    const [failedRerun] = await runsList();
    assert.equal(failedRerun?.rerunOf, shownId);
    assert.deepEqual(failedRerun?.targets, ['node-2']);

    const slow = await req(ui, 'runs:submit', {
      kind: 'exec',
      entries: [{ jobs: [{ verb: 'RUN', text: 'sleep 30' }] }],
      targets: ['node-1', 'node-3'],
      ignoreCache: true,
    });
    await setHash(`#/run/${slow.runId}`);
    await runIdShown().getByText(slow.runId, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await dialog().getByRole('heading', { name: 'Cancel 2 jobs on 2 hosts?' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'confirm-cancel.png') });
    await dialog().getByRole('button', { name: 'Keep running', exact: true }).click();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await runDetail(slow.runId)).status, 'running', 'Cancel in the dialog cancels nothing');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await dialog().getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('status').getByText('Cancelled 2 jobs').waitFor();
  });

  test('3: unknown targets block Deploy, named with the closest known hosts', async () => {
    await page.goto(`${stack.url}/?token=${stack.token}#/builder`);
    await importYaml(page, 'typo.yaml', '- targets: [nosuchhost, node2]\n  jobs:\n  - RUN: echo x\n');
    const reason = page.locator('#deploy-reason');
    await reason.getByText(/Deploy disabled — .*Entry 1: unknown targets nosuchhost; node2 \(closest: node-2, node-1, node-3\)/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Deploy', exact: true }).isDisabled(), true);
    await page.screenshot({ path: join(SHOTS, 'unknown-target.png') });
    const yaml = page.getByRole('textbox', { name: 'YAML source' });
    await yaml.fill('- targets: [node-2]\n  jobs:\n  - RUN: echo x\n');
    await reason.getByText(/^Ready: 1 step/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Deploy', exact: true }).isDisabled(), false);
  });

  test('4: the working orchestration survives a reload, Import is undoable, and discarding unsaved edits asks', async () => {
    await page.goto(`${stack.url}/?token=${stack.token}#/builder`);
    const yaml = page.getByRole('textbox', { name: 'YAML source' });
    const edited = '- name: mine\n  jobs:\n  - RUN: echo my unsaved work\n';
    await importYaml(page, 'keep.yaml', '- name: mine\n  jobs:\n  - RUN: echo saved\n');
    await yaml.fill(edited);
    await page.getByRole('region', { name: 'Orchestration' }).getByText('echo my unsaved work').waitFor();
    // An entry without targets says which hosts it runs on.
    await page
      .getByRole('group', { name: /^Targets of / })
      .getByText('node-1, node-2, node-3')
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'builder-targets.png') });
    await page.reload();
    await page.getByText('3 of 3 hosts online').waitFor();
    assert.equal(await yaml.inputValue(), edited, 'the text came back');
    await page.getByRole('region', { name: 'YAML' }).getByText('keep.yaml •').waitFor();
    // Import over unsaved edits asks; saying no keeps them.
    await page
      .getByLabel('Import YAML file')
      .setInputFiles({ name: 'other.yaml', mimeType: 'application/yaml', buffer: Buffer.from('- jobs:\n  - RUN: echo other\n') });
    await dialog().getByRole('heading', { name: 'Discard unsaved edits to keep?' }).waitFor();
    await dialog().getByRole('button', { name: 'Keep editing', exact: true }).click();
    assert.equal(await yaml.inputValue(), edited);
    await importYaml(page, 'other.yaml', '- jobs:\n  - RUN: echo other\n');
    assert.equal(await yaml.inputValue(), '- jobs:\n  - RUN: echo other\n');
    // Undo brings the edits back.
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    assert.equal(await yaml.inputValue(), edited);
    // New (Library) over unsaved edits asks too.
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page.getByRole('complementary', { name: 'Library' }).getByRole('button', { name: 'New', exact: true }).click();
    await dialog()
      .getByRole('heading', { name: /^Discard unsaved edits to / })
      .waitFor();
    await dialog().getByRole('button', { name: 'Keep editing', exact: true }).click();
    assert.equal(await yaml.inputValue(), edited);
  });

  test('14: with no hosts yet, the first screen says how to add one', async () => {
    const empty = await startRealStack({ agents: 0 });
    const other = await browser.newPage();
    try {
      other.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      await other.goto(`${empty.url}/?token=${empty.token}`);
      const next = other.getByRole('region', { name: 'No hosts yet' });
      await next.getByText(/Hosts → Add hosts/).waitFor();
      await other.getByRole('region', { name: 'Run a command' }).getByText('No hosts yet', { exact: true }).waitFor();
      await other.screenshot({ path: join(SHOTS, 'first-screen-no-hosts.png') });
      await next.getByRole('button', { name: 'Add a host' }).click();
      await other.getByText(/No agent has connected yet/).waitFor();
    } finally {
      await other.close();
      await empty.close();
    }
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
