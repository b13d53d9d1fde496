/** Dev helper: CPU profile of the console while 50 hosts stream output (mock on :7601). */
import { chromium } from 'playwright-core';
const base = process.argv[2] ?? 'http://127.0.0.1:7601';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${base}/?token=dev`);
await page.getByText('50 of 50 hosts online').waitFor();
await page
  .getByLabel('Import YAML file')
  .setInputFiles({ name: 'spam.yaml', mimeType: 'application/yaml', buffer: Buffer.from('- jobs:\n  - RUN: spam 10000\n') });
await page.waitForTimeout(300);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
await cdp.send('Profiler.start');
const t0 = Date.now();
await page.getByRole('button', { name: 'Deploy', exact: true }).click();
await page.getByRole('dialog').getByRole('button', { name: 'Deploy now' }).click();
const strip = page.getByRole('group', { name: 'Hosts by status' });
for (let i = 0; i < 600; i++) {
  if (/50\s*succeeded/.test(await strip.innerText())) break;
  await page.waitForTimeout(200);
}
process.stdout.write(`done in ${Date.now() - t0} ms\n`);
const { profile } = await cdp.send('Profiler.stop');
const self = new Map<string, number>();
const dt = profile.timeDeltas ?? [];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
(profile.samples ?? []).forEach((id, i) => {
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
});
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, v] of top) process.stdout.write(`${(v / 1000).toFixed(0).padStart(7)} ms ${k}\n`);
await browser.close();
