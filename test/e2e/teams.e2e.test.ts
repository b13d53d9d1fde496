/**
 * Teams in real Chromium (issue #18): a viewer signs in at /login and no Deploy works (the refusal
 * is shown), a scoped operator deploys within the scope, and both show in the Audit page; the
 * History names who started the run. Real server, real agents, renderer/dist.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'artifacts/screenshots');
const PASSWORD = 'correct horse battery';

describe('teams e2e (real server and agents, Chromium)', { timeout: 240_000 }, () => {
  let stack: RealStack;
  let dataDir: string;
  const browsers: Browser[] = [];
  const errors: string[] = [];

  const addUser = async (body: object) => {
    const res = await fetch(`${stack.url}/api/ui/users:add`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${readFileSync(join(dataDir, 'cli.token'), 'utf8').trim()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const r = (await res.json()) as { ok: boolean };
    assert.ok(r.ok, JSON.stringify(r));
  };

  async function signIn(name: string): Promise<Page> {
    const { browser, page } = await openBrowserPage(errors);
    browsers.push(browser);
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    try {
      await page.getByText('3 of 3 hosts online').waitFor();
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, `teams-signin-${name}-failed.png`) });
      throw new Error(
        `${(error as Error).message}\nat ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 600)}\nerrors: ${errors.join('\n')}`,
      );
    }
    return page;
  }

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

  async function tryDeploy(page: Page, host: string): Promise<void> {
    await nav(page, 'Hosts');
    await page.getByRole('button', { name: 'Select none' }).click();
    await page.getByRole('table', { name: 'Hosts' }).getByRole('checkbox', { name: host, exact: true }).check();
    await nav(page, 'Builder');
    await page.getByRole('textbox', { name: 'YAML source' }).fill('- name: hello\n  jobs:\n    - RUN: echo hello from the team\n');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByRole('dialog').getByRole('heading', { name: 'Deploy 1 step to 1 host?' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Deploy now' }).click();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'directord-teams-e2e-'));
    stack = await startRealStack({ agents: 3, dataDir });
    await addUser({ name: 'vera', role: 'viewer', password: PASSWORD });
    await addUser({ name: 'otto', role: 'operator', scope: 'node-1:node-2', password: PASSWORD });
    await addUser({ name: 'ada', role: 'admin', password: PASSWORD });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('viewer: Deploy is refused and the refusal is shown', async () => {
    const page = await signIn('vera');
    await page.getByRole('link', { name: /vera \(viewer\)/ }).waitFor();
    await tryDeploy(page, 'node-1');
    await page.getByRole('dialog').getByRole('alert').getByText('forbidden: viewer vera may not deploy runs').waitFor();
    await page.screenshot({ path: join(SHOTS, 'teams-viewer-refused.png') });
  });

  test('scoped operator: deploys within the scope, is refused outside it; both show in the Audit page and History', async () => {
    const page = await signIn('otto');
    await tryDeploy(page, 'node-3');
    await page
      .getByRole('dialog')
      .getByRole('alert')
      .getByText(/forbidden: operator otto may not reach node-3 \(outside the scope node-1:node-2\)/)
      .waitFor();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /Cancel|Close/ })
      .first()
      .click();
    await tryDeploy(page, 'node-1');
    await page.getByRole('group', { name: 'Hosts by status' }).waitFor();
    await page
      .getByRole('region', { name: 'Output: node-1' })
      .getByRole('log')
      .getByText('hello from the team', { exact: true })
      .waitFor({ timeout: 30_000 });

    await nav(page, 'History');
    await page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: 'otto' }).first().waitFor();

    await nav(page, 'Audit');
    const table = page.getByRole('region', { name: 'Audit log' }).getByRole('table');
    await table
      .getByRole('row')
      .filter({ hasText: 'vera' })
      .filter({ hasText: 'runs:submit' })
      .filter({ has: page.getByRole('cell', { name: 'refused', exact: true }) })
      .waitFor();
    await table
      .getByRole('row')
      .filter({ hasText: 'otto' })
      .filter({ hasText: 'runs:submit' })
      .filter({ has: page.getByRole('cell', { name: 'ok', exact: true }) })
      .waitFor()
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await table.innerText()}`);
      });
    await table.getByRole('row').filter({ hasText: 'otto' }).filter({ hasText: 'auth:login' }).first().waitFor();
    await table.getByRole('row').filter({ hasText: 'may not reach node-3' }).waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page
      .getByRole('status')
      .getByText(/^Intact: \d+ rows$/)
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'teams-audit.png') });
    assert.equal(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Secrets' }).count(),
      0,
      'no Secrets tab for an operator',
    );
    assert.deepEqual(
      errors.filter((e) => !/status of 40[13]/.test(e)),
      [],
    );
  });

  test('admin: the Secrets page sets a secret, lists its version and never shows the value', async () => {
    const page = await signIn('ada');
    await nav(page, 'Secrets');
    const region = page.getByRole('region', { name: 'Secrets' });
    await region.getByLabel('Name').fill('DEPLOY_TOKEN');
    await region.getByLabel('Value').fill('value-never-shown-42');
    await region.getByRole('button', { name: 'Set secret' }).click();
    await region.getByRole('status').getByText('Secret DEPLOY_TOKEN set (version 1)', { exact: false }).waitFor();
    await region
      .getByRole('table', { name: 'Secrets list' })
      .getByRole('row')
      .filter({ hasText: 'DEPLOY_TOKEN' })
      .filter({ hasText: 'ada' })
      .waitFor();
    assert.ok(!(await page.content()).includes('value-never-shown-42'));
  });
});
