/**
 * The console's ADD/COPY and palette against the real stack (server/index.ts serving
 * renderer/dist, real agents in this process, a user component from a components dir):
 * - a COPY step built in the console gets its source file attached in the browser, deploys, and
 *   the file lands on the agent's side with the right content and mode;
 * - an imported YAML whose COPY names a relative SOURCE blocks deploy (naming the step and the
 *   file) until the file is attached;
 * - files attached to one orchestration never deploy with another that names the same SOURCE;
 * - the palette lists every verb the server's registry has (built-ins, contributed, user), each
 *   opens a form generated from its schema, and the user component deploys.
 * Screenshots: artifacts/screenshots/files-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { importYaml, openBrowserPage } from './browser.js';
import { io } from 'socket.io-client';
import type { ComponentManifest } from '../../protocol/agents.js';
import type { ServerInfo } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import { ensureRendererBuilt, ROOT } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const SHOTS = join(ROOT, 'artifacts/screenshots');
const work = mkdtempSync(join(tmpdir(), 'directord-console-files-'));
const componentsDir = join(work, 'components');

let stack: RealStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
const palette = () => page.getByRole('region', { name: 'Components' });
const deployButton = () => page.getByRole('button', { name: 'Deploy', exact: true });

async function selectHosts(hosts: readonly string[]): Promise<void> {
  await nav('Hosts');
  await page.getByRole('button', { name: 'Select none' }).click();
  for (const h of hosts) await page.getByRole('table', { name: 'Hosts' }).getByRole('checkbox', { name: h, exact: true }).check();
  await nav('Builder');
}

async function newOrchestration(): Promise<void> {
  await page.getByRole('textbox', { name: 'YAML source' }).fill('- name: main\n  jobs: []\n');
  await page
    .getByRole('listitem', { name: /^Step \d+:/ })
    .first()
    .waitFor({ state: 'detached' });
}

async function openFromLibrary(name: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  const panel = page.getByRole('complementary', { name: 'Library' });
  await panel.getByRole('list', { name: 'Saved orchestrations' }).getByRole('button', { name }).click();
  await panel.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('button', { name: 'Close library' }).click();
}

async function deployAndWait(question: string): Promise<void> {
  await deployButton().click();
  await page.getByRole('dialog').getByRole('heading', { name: question }).waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Deploy now' }).click();
  await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
  await page.getByRole('button', { name: 'Re-run', exact: true }).and(page.locator(':enabled')).waitFor({ timeout: 30_000 });
}

/** The registry's manifests as the server reports them (`server:info`), not a list written here. */
async function registeredComponents(): Promise<ComponentManifest[]> {
  const socket = io(`${stack.url}/ui`, {
    transports: ['websocket'],
    auth: { token: stack.token, client: 'e2e' },
    reconnection: false,
    forceNew: true,
  });
  try {
    const info = (await socket.timeout(10_000).emitWithAck('server:info')) as Result<ServerInfo>;
    assert.ok(info.ok, info.ok ? '' : info.error.message);
    return [...info.value.components];
  } finally {
    socket.disconnect();
  }
}

describe('console e2e: ADD/COPY files and the palette (real server and agents)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(componentsDir);
    copyFileSync(join(ROOT, 'examples/components/echo_upper.mjs'), join(componentsDir, 'echo_upper.mjs'));
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 2, componentsDir });
    ({ browser, page } = await openBrowserPage(pageErrors));
    await page.goto(`${stack.url}/?token=${stack.token}#/builder`);
    await page.getByText('2 of 2 hosts online').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('COPY built in the console: attach a file, deploy, the file arrives on the agent with its content and mode', async () => {
    const dest = join(work, 'copied');
    const content = `listen 8080 # ${Date.now()}\n`;
    await selectHosts(['node-1']);
    await palette().getByRole('button', { name: 'COPY', exact: true }).click();
    const step = page.getByRole('group', { name: 'Edit step 1' });
    await step.getByLabel('Mode').fill('0640');
    await step.getByText('Add sources and destination', { exact: true }).click();
    await step.getByRole('textbox', { name: 'Sources and destination 1', exact: true }).fill(`${dest}/`);
    assert.match(
      await deployButton()
        .getAttribute('disabled')
        .then((d) => (d === null ? 'enabled' : 'disabled')),
      /disabled/,
      'no source yet',
    );
    await step.getByLabel('Add source files').setInputFiles({ name: 'app.conf', mimeType: 'text/plain', buffer: Buffer.from(content) });
    await step
      .getByRole('region', { name: 'Source files' })
      .getByText(/app\.conf · /)
      .waitFor();
    assert.match(
      await page.getByRole('textbox', { name: 'YAML source' }).inputValue(),
      new RegExp(`- COPY: --chmod 0640 app\\.conf ${dest}/\\n`),
    );
    await page.getByText(/^Ready: 1 step/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'files-01-copy-attached.png') });

    await deployAndWait('Deploy 1 step to 1 host?');
    assert.match(await page.getByRole('group', { name: 'Hosts by status' }).innerText(), /1\s*succeeded/);
    const copied = join(dest, 'app.conf');
    assert.equal(readFileSync(copied, 'utf8'), content);
    assert.equal(statSync(copied).mode & 0o7777, 0o640);
    await page.screenshot({ path: join(SHOTS, 'files-02-copy-deployed.png') });
  });

  test('imported YAML with a relative SOURCE: deploy refused naming the step and file until it is attached', async () => {
    const dest = join(work, 'imported');
    await nav('Builder');
    const yaml = `- name: site\n  targets: [node-2]\n  jobs:\n  - RUN: --skip-cache echo before\n  - COPY: --chmod 0600 files/site.conf ${dest}/site.conf\n`;
    await importYaml(page, 'site.yaml', yaml);
    const reason = page.locator('#deploy-reason');
    await reason.getByText('Step 2 (COPY) of entry "site" needs files/site.conf').waitFor();
    assert.equal(await deployButton().isDisabled(), true);
    await page
      .getByRole('listitem', { name: /^Step 2: COPY/ })
      .getByRole('button')
      .first()
      .click();
    const step = page.getByRole('group', { name: 'Edit step 2' });
    await step.getByText('File needed: attach site.conf').waitFor();
    await page.screenshot({ path: join(SHOTS, 'files-03-import-needs-file.png') });
    await step
      .getByLabel('Attach files/site.conf')
      .setInputFiles({ name: 'site-local.conf', mimeType: 'text/plain', buffer: Buffer.from('site=1\n') });
    await step.getByText(/site\.conf · /).waitFor();
    await page.getByText(/^Ready: 2 steps/).waitFor();
    await deployAndWait('Deploy 2 steps to 1 host?');
    await page.screenshot({ path: join(SHOTS, 'files-06-library-deployed.png') });
    assert.equal(readFileSync(join(dest, 'site.conf'), 'utf8'), 'site=1\n');
    assert.equal(statSync(join(dest, 'site.conf')).mode & 0o7777, 0o600);
  });

  test('a saved orchestration keeps its attached files: after a reload, opened from the library, it deploys without re-attaching', async () => {
    // The previous test attached files/site.conf to the imported site.yaml; save it with its file.
    await nav('Builder');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved', { exact: true }).waitFor();
    await page.reload();
    await page.getByText('2 of 2 hosts online').waitFor();
    await openFromLibrary(/^site\b/);
    await page.getByText(/^Ready: 2 steps/).waitFor();
    await page
      .getByRole('listitem', { name: /^Step 2: COPY/ })
      .getByRole('button')
      .first()
      .click();
    await page
      .getByRole('group', { name: 'Edit step 2' })
      .getByText(/site\.conf · /)
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'files-05-library-reopened.png') });
    // A new destination (the same job would be a cache hit on the agent): the stored content goes out again.
    const yaml = page.getByRole('textbox', { name: 'YAML source' });
    const dest = join(work, 'reopened');
    await yaml.fill((await yaml.inputValue()).replace(join(work, 'imported'), dest));
    await page
      .getByRole('listitem', { name: /^Step 2: COPY/ })
      .filter({ hasText: 'reopened' })
      .waitFor();
    await page.getByText(/^Ready: 2 steps/).waitFor();
    await deployAndWait('Deploy 2 steps to 1 host?');
    await page.screenshot({ path: join(SHOTS, 'files-06-library-deployed.png') });
    assert.equal(readFileSync(join(dest, 'site.conf'), 'utf8'), 'site=1\n');
  });

  test('files attached to one orchestration never deploy with another that names the same SOURCE', async () => {
    // "site", opened from the library above, has files/site.conf attached; "other" names it too.
    await nav('Builder');
    const yaml = `- name: other\n  targets: [node-2]\n  jobs:\n  - COPY: files/site.conf ${join(work, 'other')}/site.conf\n`;
    await importYaml(page, 'other.yaml', yaml);
    await page.locator('#deploy-reason').getByText('Step 1 (COPY) of entry "other" needs files/site.conf').waitFor();
    assert.equal(await deployButton().isDisabled(), true);
    await page.screenshot({ path: join(SHOTS, 'files-07-other-needs-its-own-file.png') });
    // Opening "site" again brings back its own file, and only then is it ready.
    await openFromLibrary(/^site\b/);
    await page.getByText(/^Ready: 2 steps/).waitFor();
  });

  test('the palette lists every registered verb (built-in, contributed, user), each with a form from its schema', async () => {
    const manifests = await registeredComponents();
    assert.ok(
      manifests.some((m) => m.verb === 'ECHO_UPPER' && !m.builtin),
      'the user component is registered',
    );
    await nav('Builder');
    await newOrchestration();
    const listed = await palette()
      .getByRole('listitem')
      .getByRole('button')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert.deepEqual([...listed].sort(), manifests.map((m) => m.verb).sort());
    for (const m of manifests) {
      const properties = (m.args.properties ?? {}) as Record<string, { title?: string }>;
      const titled = Object.values(properties).find((p) => typeof p.title === 'string');
      await palette().getByRole('button', { name: m.verb, exact: true }).click();
      const step = page.getByRole('group', { name: 'Edit step 1' });
      await step.waitFor();
      if (titled) {
        // The form, not the raw job string: its first titled field is there.
        assert.ok((await step.getByText(titled.title!, { exact: false }).count()) > 0, `${m.verb}: no form field ${titled.title}`);
        assert.equal(await step.getByLabel('Job string').count(), 0, `${m.verb} fell back to raw text`);
      }
      await step.getByRole('button', { name: 'Delete', exact: true }).click();
    }

    await selectHosts(['node-1']);
    await palette().getByRole('button', { name: 'ECHO_UPPER', exact: true }).click();
    await page.screenshot({ path: join(SHOTS, 'files-04-user-component-form.png') });
    await page
      .getByRole('group', { name: /^Edit step \d+$/ })
      .getByRole('textbox', { name: 'Text', exact: true })
      .fill('from the console');
    await deployAndWait('Deploy 1 step to 1 host?');
    await page.getByRole('region', { name: 'Output: node-1' }).getByRole('log').getByText('FROM THE CONSOLE', { exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'files-04-user-component.png') });
  });

  test('no page errors under the server CSP', () => {
    assert.deepEqual(pageErrors, []);
  });
});
