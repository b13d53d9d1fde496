/**
 * Library `allowSimultaneous` in Debian's Chromium against the real server and a real agent: a
 * Library item opened in the builder and deployed while its first run still runs is refused in
 * the Deploy dialog, naming that run; the item's "Allow simultaneous runs" checkbox lets the next
 * Deploy start beside it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { io } from 'socket.io-client';
import type { Result } from '../../protocol/result.js';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt } from './build-renderer.js';
import { startRealStack } from './real-stack.js';

test(
  'Deploy of a running Library item is refused naming its run; Allow simultaneous runs lets it start',
  { timeout: 120_000 },
  async () => {
    await ensureRendererBuilt();
    const hold = mkdtempSync(join(tmpdir(), 'directord-e2e-hold-'));
    const go = join(hold, 'go');
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
      // Each run holds until the go-file exists, so the first is still running at the second Deploy.
      const yaml = `- targets: [node-1]\n  jobs:\n    - RUN: "--skip-cache while [ ! -e ${go} ]; do sleep 0.05; done"\n`;
      const saved = (await socket.timeout(10_000).emitWithAck('library:save', { name: 'hold', yaml })) as Result<{
        id: string;
        allowSimultaneous: boolean;
      }>;
      assert.ok(saved.ok && saved.value.allowSimultaneous === false);
      await page.goto(`${stack.url}/?token=${stack.token}`);
      await page.getByText('1 of 1 hosts online').waitFor();
      await page.getByRole('button', { name: 'Library', exact: true }).click();
      const panel = page.getByRole('complementary', { name: 'Library' });
      await panel
        .getByRole('list', { name: 'Saved orchestrations' })
        .getByRole('button', { name: /^hold\b/ })
        .click();
      const allow = panel.getByRole('checkbox', { name: 'Allow simultaneous runs' });
      assert.equal(await allow.isChecked(), false, 'the default');
      await panel.getByRole('button', { name: 'Open', exact: true }).click();

      const deployButton = page.getByRole('button', { name: 'Deploy', exact: true });
      const dialog = page.getByRole('dialog');
      await deployButton.click();
      await dialog.getByRole('button', { name: 'Deploy now' }).click();
      await page.getByRole('group', { name: 'Hosts by status' }).waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Builder', exact: true }).click();
      await deployButton.click();
      await dialog.getByRole('button', { name: 'Deploy now' }).click();
      const refusal = dialog.getByText(/library item hold is already running as run \S+; allow simultaneous runs in its settings/);
      await refusal.waitFor();
      const named = /as run (\S+);/.exec((await refusal.textContent()) ?? '')?.[1];
      const runs = (await socket.timeout(10_000).emitWithAck('runs:list', {})) as Result<
        Array<{ runId: string; finishedAt: number | null }>
      >;
      assert.ok(runs.ok);
      assert.equal(runs.value.length, 1, 'the refused Deploy started nothing');
      assert.equal(named, runs.value[0]?.runId, 'the refusal names the running run');
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Library', exact: true }).click();
      await panel
        .getByRole('list', { name: 'Saved orchestrations' })
        .getByRole('button', { name: /^hold\b/ })
        .click();
      await panel.getByRole('checkbox', { name: 'Allow simultaneous runs' }).check();
      await panel.getByText('Simultaneous runs allowed').waitFor();
      const stored = (await socket.timeout(10_000).emitWithAck('library:get', saved.value.id)) as Result<{ allowSimultaneous: boolean }>;
      assert.ok(stored.ok && stored.value.allowSimultaneous, 'the checkbox is stored with the item');

      await deployButton.click();
      await dialog.getByRole('button', { name: 'Deploy now' }).click();
      await dialog.waitFor({ state: 'detached' });
      const both = (await socket.timeout(10_000).emitWithAck('runs:list', {})) as Result<
        Array<{ runId: string; finishedAt: number | null }>
      >;
      assert.ok(both.ok);
      assert.equal(both.value.filter((r) => r.finishedAt === null).length, 2, 'two runs of the item at once');
      assert.deepEqual(errors, []);
    } finally {
      writeFileSync(go, '');
      socket.close();
      await browser.close();
      await stack.close();
      rmSync(hold, { recursive: true, force: true });
    }
  },
);
