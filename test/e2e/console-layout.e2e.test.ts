/**
 * Issue #13 items 10, 12 and 13 in Chromium against the real server and two real agents, by
 * measuring element boxes and computed styles:
 * 10. importing functional-tests.yaml keeps entry #1's step visible, no "Drop here" zone is
 *     clipped, and with the Library panel open Deploy stays on the toolbar's line;
 * 12. a skip link to the main region; the palette is one Tab stop, arrow keys move within it;
 * 13. a light theme following prefers-color-scheme, a persisted toggle, and WCAG AA contrast of
 *     the main text/background/button/link/status pairs in both themes. Screenshots of both
 *     themes go to docs/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt, ROOT } from './build-renderer.js';
import { startRealStack, type RealStack } from './real-stack.js';

const SHOTS = join(ROOT, 'docs/screenshots');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'directord', 'functional-tests.yaml');

let stack: RealStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

type Box = { x: number; y: number; width: number; height: number };

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

async function box(selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} has a box`);
  return b;
}

/** A rectangle inside another, within a pixel. */
function inside(inner: Box, outer: Box): boolean {
  return (
    inner.y >= outer.y - 1 &&
    inner.y + inner.height <= outer.y + outer.height + 1 &&
    inner.x >= outer.x - 1 &&
    inner.x + inner.width <= outer.x + outer.width + 1
  );
}

/**
 * Contrast ratios (WCAG 2) of the text of each selector's first visible element against what
 * is behind it: the first ancestor with an opaque background, with translucent ones blended on.
 */
const CONTRAST = `(selectors) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const behind = (el) => { const layers = []; for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } } let base = { r: 255, g: 255, b: 255, a: 1 }; for (const c of layers.reverse()) base = over(c, base); return base; };
  const out = {};
  for (const [name, selector] of Object.entries(selectors)) {
    const el = [...document.querySelectorAll(selector)].find((e) => e.getClientRects().length > 0);
    if (!el) { out[name] = null; continue; }
    const bg = behind(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out[name] = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
  }
  return out;
}`;

/** What the console shows most: text on its backgrounds, buttons, links, states. */
const PAIRS: Record<string, string> = {
  'body text': '.app',
  'muted text': '.muted',
  'faint text': '.faint',
  'section title': '.section-title',
  'header tab': 'nav .tab[aria-current="page"]',
  'header tab (idle)': 'nav .tab:not([aria-current="page"]):not(:disabled)',
  button: 'button:not(.ghost):not(.primary):not(.tab):not(:disabled)',
  'primary button': 'button.primary',
  link: 'button.link',
  'table header': 'table.grid th',
  'table cell': 'table.grid td',
  'succeeded badge': '.badge.s-succeeded',
  'failed badge': '.badge.s-failed',
  'failed text': 'span.s-failed',
  'timed-out badge': '.badge.s-timed-out',
  'online badge': '.badge.s-online',
  'log text': '.viewport .line',
};

async function contrast(pairs: Record<string, string>): Promise<Record<string, number | null>> {
  return (await page.evaluate(`(${CONTRAST})(${JSON.stringify(pairs)})`)) as Record<string, number | null>;
}

describe('console layout, keyboard and themes (real server and agents)', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    stack = await startRealStack({ agents: 2 });
    ({ browser, page } = await openBrowserPage(pageErrors, { colorScheme: 'dark' }));
    await page.goto(`${stack.url}/?token=${stack.token}`);
    await page.getByText('2 of 2 hosts online').waitFor();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('item 10: functional-tests.yaml keeps entry #1 and its step visible, drop zones whole, Deploy on one line with the Library open', async () => {
    await nav('Builder');
    await page
      .getByLabel('Import YAML file')
      .setInputFiles({ name: 'functional-tests.yaml', mimeType: 'application/yaml', buffer: readFileSync(FIXTURE) });
    const first = page.getByRole('group', { name: /^Entry 1: Functional test parent/ });
    await first.waitFor();
    const entries = await box('.entries');
    const card = await first.boundingBox();
    const step = await first.getByRole('listitem', { name: /^Step 1: RUN echo named job/ }).boundingBox();
    assert.ok(card && step);
    // The card is as tall as its header, its step and its drop zone, and the step is inside it.
    assert.ok(inside(step, card), `step ${JSON.stringify(step)} inside entry ${JSON.stringify(card)}`);
    assert.ok(step.height >= 20, `step is ${step.height}px tall`);
    assert.ok(card.y + card.height <= entries.y + entries.height + 1 || card.height > 60, 'entry 1 is not squashed');
    // Every drop zone is as tall as its content (not clipped by its card), in every entry.
    const zones = (await page.evaluate(
      `[...document.querySelectorAll('.entry .drop')].map((el) => ({ client: el.clientHeight, scroll: el.scrollHeight, card: el.closest('.entry').getBoundingClientRect().bottom - el.getBoundingClientRect().bottom }))`,
    )) as { client: number; scroll: number; card: number }[];
    assert.equal(zones.length, 2);
    for (const z of zones) {
      assert.ok(z.client >= 20 && z.scroll <= z.client, `drop zone clipped: ${JSON.stringify(z)}`);
      assert.ok(z.card >= -1, `drop zone overflows its card: ${JSON.stringify(z)}`);
    }
    await page.screenshot({ path: join(SHOTS, 'layout-functional-tests.png') });

    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await page.getByRole('complementary', { name: 'Library' }).waitFor();
    const deploy = await page.getByRole('button', { name: 'Deploy', exact: true }).boundingBox();
    const undo = await page.getByRole('button', { name: 'Undo', exact: true }).boundingBox();
    const title = await page.getByLabel('Orchestration name').boundingBox();
    assert.ok(deploy && undo && title);
    assert.ok(
      Math.abs(deploy.y - undo.y) < 4 && Math.abs(deploy.y + deploy.height / 2 - (title.y + title.height / 2)) < 6,
      `Deploy ${JSON.stringify(deploy)} on the line of Undo ${JSON.stringify(undo)}`,
    );
    const bar = await box('.orch .bar');
    assert.ok(bar.height < deploy.height + 16, `toolbar is one line (${bar.height}px)`);
    assert.ok(deploy.x + deploy.width <= bar.x + bar.width + 1, 'Deploy is not cut off');
    await page.screenshot({ path: join(SHOTS, 'layout-library-open.png') });
    await page.getByRole('button', { name: 'Library', exact: true }).click();
  });

  test('item 12: a skip link to the main region, and the palette is one Tab stop moved with arrow keys', async () => {
    await page.reload();
    await page.getByText('2 of 2 hosts online').waitFor();
    // Fresh from a load, the first Tab stop is the skip link.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    assert.equal(await page.evaluate('document.activeElement?.textContent?.trim()'), 'Skip to main content');
    assert.ok((await skip.boundingBox())!.y >= 0, 'the skip link shows when focused');
    const url = page.url();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main-content');
    assert.equal(page.url(), url, 'the address (the router) is untouched');
    await nav('Builder');

    const palette = page.getByRole('region', { name: 'Components' });
    const buttons = palette.locator('button.item');
    const count = await buttons.count();
    assert.ok(count > 5, `${count} components`);
    const tabStops = await page.evaluate(
      `[...document.querySelectorAll('section[aria-label="Components"] button.item')].filter((el) => el.tabIndex >= 0).length`,
    );
    assert.equal(tabStops, 1);
    await palette.getByLabel('Filter components').focus();
    await page.keyboard.press('Tab');
    const firstVerb = await buttons.nth(0).getAttribute('aria-label');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), firstVerb);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const third = await buttons.nth(2).getAttribute('aria-label');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), third);
    await page.keyboard.press('End');
    assert.equal(
      await page.evaluate('document.activeElement?.getAttribute("aria-label")'),
      await buttons.nth(count - 1).getAttribute('aria-label'),
    );
    await page.keyboard.press('Home');
    // One more Tab leaves the palette (no other component button in between).
    await page.keyboard.press('Tab');
    assert.ok(!(await page.evaluate('document.activeElement?.classList.contains("item")')));
    // Shift+Tab comes back to the component last moved to.
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), firstVerb);
  });

  test('item 13: light and dark themes follow the system, the toggle persists, and both pass WCAG AA', async () => {
    // A run with failures and output, so badges, logs and tables are on screen.
    await nav('Builder');
    await page
      .getByRole('textbox', { name: 'YAML source' })
      .fill(
        '- targets: [node-1]\n  jobs:\n    - RUN: --skip-cache echo themed output; echo oops >&2\n- targets: [node-2]\n  jobs:\n    - RUN: --skip-cache exit 3\n',
      );
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /^Deploy now/ })
      .click();
    await page.getByRole('region', { name: 'Output: node-2' }).locator('.badge.s-failed').waitFor();
    await page.getByRole('region', { name: 'Output: node-1' }).locator('.badge.s-succeeded').waitFor();

    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(await background(), 'rgb(15, 17, 21)');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await background(), 'rgb(255, 255, 255)', 'follows prefers-color-scheme');

    const results: Record<string, Record<string, number | null>> = {};
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      for (const view of ['Run', 'History', 'Hosts', 'Builder']) {
        await nav(view);
        await page.waitForTimeout(150);
        const measured = await contrast(PAIRS);
        for (const [pair, ratio] of Object.entries(measured))
          if (ratio !== null) results[`${theme} ${pair}`] = { ...(results[`${theme} ${pair}`] ?? {}), [view]: ratio };
        await page.screenshot({ path: join(SHOTS, `theme-${theme}-${view.toLowerCase()}.png`) });
      }
    }
    const failing = Object.entries(results).filter(([, views]) => Object.values(views).some((r) => r !== null && r < 4.5));
    assert.deepEqual(failing, [], JSON.stringify(results, null, 1));
    for (const theme of ['light', 'dark'])
      for (const pair of ['body text', 'button', 'primary button', 'link', 'failed badge', 'succeeded badge', 'table cell', 'log text'])
        assert.ok(results[`${theme} ${pair}`], `${theme} ${pair} was measured`);

    // The toggle pins a theme over the system's, and keeps it across a reload.
    await page.emulateMedia({ colorScheme: 'dark' });
    const toggle = page.getByRole('button', { name: /^Theme: / });
    assert.equal(await toggle.getAttribute('aria-label'), 'Theme: system (dark)');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-label'), 'Theme: light');
    assert.equal(await background(), 'rgb(255, 255, 255)');
    await page.reload();
    await page.getByText('2 of 2 hosts online').waitFor();
    assert.equal(await background(), 'rgb(255, 255, 255)', 'the light choice survived the reload in a dark system');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-label'), 'Theme: dark');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await background(), 'rgb(15, 17, 21)');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-label'), 'Theme: system (light)');
    assert.equal(await background(), 'rgb(255, 255, 255)');
    assert.deepEqual(pageErrors, []);
  });
});
