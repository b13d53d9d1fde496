/**
 * Issue #13 item 9: `serve --local-agents N` agents each get their own /tmp where the host allows
 * it, so Directord jobs writing fixed /tmp paths do not overwrite each other's files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../protocol/log.js';
import { localAgentSpecs, pathsUnderTmp, privateTmpSupported, startLocalAgents } from './local-agents.js';
import { captureOutput } from './output.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const support = privateTmpSupported();

/** Each "agent" writes its identity to one fixed /tmp path, waits, reads it back and reports what it read. */
function probeScript(dir: string, fixed: string): string {
  const file = join(dir, 'probe.cjs');
  writeFileSync(
    file,
    `const fs = require('fs');
const id = process.argv[process.argv.indexOf('--identity') + 1];
fs.writeFileSync(${JSON.stringify(fixed)}, id);
setTimeout(() => {
  fs.writeFileSync(${JSON.stringify(dir)} + '/read-' + id, fs.readFileSync(${JSON.stringify(fixed)}, 'utf8'));
  setInterval(() => {}, 1000);
}, 1500);`,
  );
  return file;
}

async function run(privateTmp: boolean): Promise<{ dir: string; reads: Record<string, string>; fixed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'directord-agents-tmp-'));
  const fixed = `/tmp/directord-fixed-probe-${process.pid}-${privateTmp ? 'own' : 'shared'}`;
  const script = probeScript(dir, fixed);
  const specs = localAgentSpecs(3, dir, 'box');
  const out = captureOutput();
  const agents = startLocalAgents(specs, {
    dataDir: dir,
    command: { file: process.execPath, args: [script] },
    log: silentLogger,
    privateTmp,
  });
  try {
    const deadline = Date.now() + 20_000;
    while (specs.some((s) => !existsSync(join(dir, `read-${s.identity}`))) && Date.now() < deadline) await sleep(50);
    const reads = Object.fromEntries(
      specs.map((s) => [
        s.identity,
        existsSync(join(dir, `read-${s.identity}`)) ? readFileSync(join(dir, `read-${s.identity}`), 'utf8') : '(nothing)',
      ]),
    );
    return { dir, reads, fixed };
  } finally {
    await agents.stop();
    out.restore();
  }
}

test('paths under /tmp that an agent needs are kept visible; nested ones once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-keep-'));
  try {
    assert.deepEqual(pathsUnderTmp([dir, join(dir), '/work-not-tmp', 'relative', '/tmp']), dir.startsWith('/tmp/') ? [dir] : []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'three local agents write the same fixed /tmp path and each reads back its own value',
  { timeout: 60_000, skip: !support.ok && `no private /tmp here: ${support.ok ? '' : support.why}` },
  async () => {
    const { dir, reads, fixed } = await run(true);
    try {
      assert.deepEqual(reads, { box: 'box', 'box-2': 'box-2', 'box-3': 'box-3' });
      assert.equal(existsSync(fixed), false, 'the host /tmp was not written');
      assert.equal(readFileSync(join(dir, 'agents-tmp', 'box-2', fixed.slice('/tmp/'.length)), 'utf8'), 'box-2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "sharing /tmp (privateTmp: false), the same agents read each other's values",
  { timeout: 60_000, skip: !support.ok && 'no private /tmp here' },
  async () => {
    const { dir, reads, fixed } = await run(false);
    try {
      assert.notDeepEqual(reads, { box: 'box', 'box-2': 'box-2', 'box-3': 'box-3' });
      assert.equal(new Set(Object.values(reads)).size, 1, JSON.stringify(reads));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(fixed, { force: true });
    }
  },
);
