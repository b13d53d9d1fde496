/**
 * Debian's Chromium for the e2e tests (never a downloaded browser): launched with the flags this
 * machine needs (no background networking, which its closed network refuses), and a page whose
 * uncaught errors and console errors are collected so each test can assert there were none.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ConsolePage = Readonly<{ browser: Browser; page: Page }>;

/** A fresh browser and page (20 s default timeout); errors the page reports go into `errors`. */
export async function openBrowserPage(errors: string[], context: BrowserContextOptions = {}): Promise<ConsolePage> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...context });
  ctx.setDefaultTimeout(20_000);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return { browser, page };
}

/**
 * Loads the console at `consoleUrl` (with its token) and opens Hosts, which must say that no agent
 * has connected yet; if it does not, a screenshot goes to `failedShot` and the error carries the
 * page's errors and the start of its HTML.
 */
export async function openEmptyHosts(page: Page, consoleUrl: string, failedShot: string, errors: readonly string[]): Promise<void> {
  await page.goto(consoleUrl);
  try {
    await page.getByText('0 of 0 hosts online').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts', exact: true }).click();
    await page.getByText(/No agent has connected yet/).waitFor();
  } catch (error) {
    await page.screenshot({ path: failedShot });
    throw new Error(`the console did not load: ${String(error)}\n${errors.join('\n')}\n${(await page.content()).slice(0, 2000)}`);
  }
}

/**
 * Imports `text` as `fileName` with the builder's Import YAML (the builder must be shown). Over
 * unsaved edits (the YAML pane's file name ends in •) the console asks first: the edits are discarded.
 */
export async function importYaml(page: Page, fileName: string, text: string): Promise<void> {
  const pane = page.getByRole('region', { name: 'YAML' });
  const dirty = (await pane.locator('.file').innerText()).trimEnd().endsWith('•');
  await page.getByLabel('Import YAML file').setInputFiles({ name: fileName, mimeType: 'application/yaml', buffer: Buffer.from(text) });
  if (dirty) await page.getByRole('dialog').getByRole('button', { name: 'Discard edits' }).click();
  await pane.getByText(fileName, { exact: true }).waitFor();
}
