// Renders resources/icon.svg with the system Chromium into the app icons electron-builder uses:
//   resources/icon.png   1024×1024 (Linux uses it as is);
//   resources/icon.icns  macOS, PNG entries 16…1024 (incl. @2x);
//   resources/icon.ico   Windows, PNG entries 16…256.
// electron-builder 26 could make the .icns and .ico from icon.png itself, but its converter is a
// tool it downloads from GitHub at packaging time; committed files need nothing.
// Run after editing the SVG: node scripts/make-icon.mjs (the outputs are committed).
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';

const svg = readFileSync('resources/icon.svg', 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking'],
});
const pngs = new Map();
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 }, deviceScaleFactor: 1 });
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
    const sized = svg.replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`);
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`);
    pngs.set(size, await page.locator('svg').screenshot({ omitBackground: true }));
  }
} finally {
  await browser.close();
}

// ICNS: 'icns', total length, then (type, entry length incl. its 8-byte header, PNG data).
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];
const entries = ICNS_TYPES.map(([type, size]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(8 + pngs.get(size).length, 4);
  return Buffer.concat([head, pngs.get(size)]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'latin1');
icnsHead.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4);

// ICO: header, one 16-byte directory entry per size (0 means 256), then the PNGs.
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const icoHead = Buffer.alloc(6 + 16 * ICO_SIZES.length);
icoHead.writeUInt16LE(0, 0);
icoHead.writeUInt16LE(1, 2);
icoHead.writeUInt16LE(ICO_SIZES.length, 4);
let offset = icoHead.length;
ICO_SIZES.forEach((size, i) => {
  const at = 6 + 16 * i;
  icoHead.writeUInt8(size % 256, at);
  icoHead.writeUInt8(size % 256, at + 1);
  icoHead.writeUInt16LE(1, at + 4); // colour planes
  icoHead.writeUInt16LE(32, at + 6); // bits per pixel
  icoHead.writeUInt32LE(pngs.get(size).length, at + 8);
  icoHead.writeUInt32LE(offset, at + 12);
  offset += pngs.get(size).length;
});

writeFileSync('resources/icon.png', pngs.get(1024));
writeFileSync('resources/icon.icns', Buffer.concat([icnsHead, ...entries]));
writeFileSync('resources/icon.ico', Buffer.concat([icoHead, ...ICO_SIZES.map((s) => pngs.get(s))]));
console.log('wrote resources/icon.png, icon.icns, icon.ico');
