import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.js';
import { captureOutput } from '../output.js';
import { pythonJsonIndent4 } from './dump-cache.js';

test('--dump-cache replays snapshot + journal of each local agent, JSON indent 4, no server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-cache-'));
  const sha = 'e'.repeat(56);
  try {
    const a = join(dir, 'agents', 'node1');
    mkdirSync(a, { recursive: true });
    writeFileSync(
      join(a, 'cache.snapshot.json'),
      JSON.stringify({ v: 1, kv: { args: { a: 1 } }, jobs: { [sha]: { s: 'succeeded', at: 1 } }, parents: {}, seen: {} }),
    );
    writeFileSync(
      join(a, 'cache.journal.jsonl'),
      [
        JSON.stringify({ o: 'set', k: 'envs', v: { X: 'é' } }),
        JSON.stringify({ o: 'parent', k: 'p1', s: 'failed', at: 2 }),
        JSON.stringify({ o: 'seen', k: 'j', s: 'd', at: 2 }),
        JSON.stringify({ o: 'done', k: 'j2', sha: 'f'.repeat(56), p: 'p2', s: 'succeeded', at: 3 }),
        '{"o":"set","k":"tor',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'agents', 'empty'), { recursive: true });
    const out = captureOutput();
    let code: number;
    try {
      code = await main(['node', 'directord', '--data-dir', dir, 'manage', '--dump-cache']);
    } finally {
      out.restore();
    }
    assert.equal(code, 0, out.stderr);
    assert.equal(out.stderr, '');
    assert.equal(
      out.stdout,
      `{
    "node1": {
        "args": {
            "a": 1
        },
        "envs": {
            "X": "\\u00e9"
        },
        "${sha}": "succeeded",
        "${'f'.repeat(56)}": "succeeded",
        "p1": "failed",
        "p2": "succeeded"
    }
}
`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dump-cache with no local agent cache: No data found, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-cache-'));
  const out = captureOutput();
  try {
    const code = await main(['node', 'directord', '--data-dir', dir, 'manage', '--dump-cache']);
    assert.equal(code, 1);
    assert.equal(out.stderr, 'No data found\n');
  } finally {
    out.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pythonJsonIndent4 escapes like json.dumps(ensure_ascii=True)', () => {
  assert.equal(pythonJsonIndent4({ a: '\u0004', b: '😀' }), '{\n    "a": "\\u0004",\n    "b": "\\ud83d\\ude00"\n}');
});
