/**
 * The console with a 10,000-host inventory (issue #16), in Chromium against the real server:
 *   ui_hosts_10k_first_paint_ms  navigation → the Hosts page's inventory shows "10000 hosts match"
 *                                with its first rows painted;
 *   ui_hosts_10k_filter_ms       a keystroke in the pattern box → the updated count and rows
 *                                painted (next animation frame), median of 5;
 *   pattern_resolve_10k_ms       resolving a pattern with every operator on those 10,000 hosts (the
 *                                server's resolver on its indexed inventory), median of 20.
 * `node --import tsx scripts/bench/inventory-ui.ts` prints them as JSON; `measureInventoryUi()`
 * is the hook for the bench's phases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from '../../server/index.js';
import { builtinComponents } from '../../components/builtin/index.js';
import { silentLogger } from '../../protocol/log.js';
import { CHROMIUM_ARGS } from '../../test/e2e/browser.js';
import { indexInventory, resolvePattern } from '../../protocol/inventory/resolve.js';
import type { InventorySnapshot } from '../../protocol/inventory/types.js';
import type { Result } from '../../protocol/result.js';

export type InventoryUiFigures = Readonly<{
  ui_hosts_10k_first_paint_ms: number;
  ui_hosts_10k_filter_ms: number;
  pattern_resolve_10k_ms: number;
  hosts: number;
}>;

/** 10,000 hosts in 100 groups of 100 (g0…g99), every tenth group a child of `tier`. */
function inventoryIni(hosts: number): string {
  const lines: string[] = [];
  for (let g = 0; g < 100; g++) {
    lines.push(`[g${g}]`);
    for (let i = g; i < hosts; i += 100) lines.push(`node-${String(i).padStart(5, '0')} directord_labels=env=${i % 3 ? 'prod' : 'dev'}`);
  }
  lines.push('[tier:children]', ...Array.from({ length: 10 }, (_, k) => `g${k * 10}`));
  return lines.join('\n') + '\n';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function measureInventoryUi(hosts = 10_000): Promise<InventoryUiFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-inventory-'));
  const staticDir = fileURLToPath(new URL('../../renderer/dist', import.meta.url));
  const server = await createServer({ dataDir, port: 0, staticDir, components: builtinComponents, log: silentLogger });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const { io } = await import('socket.io-client');
    const ui = io(`${server.url}/ui`, { auth: { token: server.uiToken }, transports: ['websocket'] });
    const imported = await new Promise<{ ok: boolean }>((resolve) =>
      ui.emit('inventory:import', { fileName: 'bench.ini', text: inventoryIni(hosts) }, resolve),
    );
    const snapshot = await new Promise<Result<InventorySnapshot>>((resolve) => ui.emit('inventory:get', resolve));
    ui.close();
    if (!snapshot.ok) throw new Error(`inventory:get failed: ${snapshot.error.message}`);
    if (!imported.ok) throw new Error(`import failed: ${JSON.stringify(imported)}`);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${server.url}/?token=${server.uiToken}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).waitFor();
    // First paint: a fresh load straight onto Hosts, until the count and the first row are on screen (median of 3).
    const paints: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await page.reload();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).click();
      await page
        .getByTestId('pattern-count')
        .filter({ hasText: `${hosts} hosts match` })
        .waitFor({ timeout: 60_000 });
      await page.locator('[data-host]').first().waitFor();
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
      paints.push(Date.now() - t0);
    }
    const firstPaint = median(paints);
    const filter: number[] = [];
    for (const pattern of ['g7', 'tier:&label:env=prod', '~node-0\\d1', 'g1:g2:!node-00001', 'all']) {
      // Evaluated as text: this file is type-checked without the DOM lib.
      const ms = await page.evaluate(`(async () => {
        const input = document.querySelector('input[aria-label="Target pattern"]');
        const count = document.querySelector('[data-testid="pattern-count"]');
        if (!input || !count) throw new Error('no pattern box');
        const before = count.textContent;
        const start = performance.now();
        input.value = ${JSON.stringify(pattern)};
        input.dispatchEvent(new Event('input', { bubbles: true }));
        while (count.textContent === before) await new Promise((r) => setTimeout(r, 0));
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return performance.now() - start;
      })()`);
      filter.push(ms as number);
    }
    const resolveMs: number[] = [];
    // The server's resolver (pure, protocol/inventory) on the inventory the server holds.
    const index = indexInventory(snapshot.value);
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const r = resolvePattern('g1:g2:tier:~node-09\\d\\d$:&label:env=prod:!node-001*', index);
      resolveMs.push(performance.now() - t);
      if (!r.ok || r.value.hosts.length === 0) throw new Error('the pattern matched nothing');
    }
    return {
      ui_hosts_10k_first_paint_ms: firstPaint,
      ui_hosts_10k_filter_ms: Math.round(median(filter) * 10) / 10,
      pattern_resolve_10k_ms: Math.round(median(resolveMs) * 100) / 100,
      hosts,
    };
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(JSON.stringify(await measureInventoryUi()) + '\n');
}
