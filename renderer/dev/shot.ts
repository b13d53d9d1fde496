/** Dev helper: screenshots of each view against a running mock server (node --import tsx renderer/dev/shot.ts URL). */
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:7600';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.on('console', (m) => {
  if (m.type() === 'error' || m.type() === 'warning') process.stdout.write(`console: ${m.type()} ${m.text()}\n`);
});
page.on('pageerror', (e) => process.stdout.write(`pageerror: ${e.message}\n`));
await page.goto(`${base}/?token=dev`);
await page.waitForTimeout(1500);
await page.screenshot({ path: 'artifacts/screenshots/dev-builder.png' });
for (const view of ['Hosts', 'History']) {
  await page.getByRole('button', { name: view, exact: true }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `artifacts/screenshots/dev-${view.toLowerCase()}.png` });
}
await browser.close();
