/**
 * Bad input table, part 3 (issue #5): what a job prints — output far over the configured cap
 * (`directord server --max-output-bytes`), and bytes that are not UTF-8 — against a real server
 * process and two real agents. Each case asserts what is stored and then {@link undisturbed}.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRUNCATION_MARKER } from '../../protocol/version.js';
import { marker, memoryOf, type Cluster } from '../integration/harness.js';
import { startCluster, submitRun, undisturbed } from './support.js';

const CAP = 64 * 1024;

describe('bad input: job output (real server with --max-output-bytes, 2 agents)', { timeout: 300_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await startCluster({ serverArgs: ['--max-output-bytes', String(CAP)] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test(
    'output far over the cap (20 MB on stdout, 5 MB on stderr) is stored cut at the cap with one marker per stream',
    { timeout: 60_000 },
    async () => {
      const m = marker();
      const id = await submitRun(
        c,
        `--skip-cache head -c 20000000 /dev/zero | tr '\\0' 'a'; head -c 5000000 /dev/zero | tr '\\0' 'e' >&2 # ${m}`,
        ['b1'],
      );
      const [job] = await c.await([id], 40_000);
      const t = job?.targets[0];
      assert.equal(t?.state, 'succeeded', t?.info ?? '');
      assert.equal(t?.exitCode, 0, 'the pipes kept being drained, so the command ran to its end');
      assert.equal(t?.truncated, true);
      const out = await c.output(id, 'b1');
      assert.equal(out.truncated, true);
      for (const [stream, text, letter] of [
        ['stdout', out.stdout, 'a'],
        ['stderr', out.stderr, 'e'],
      ] as const) {
        assert.ok(text.endsWith(TRUNCATION_MARKER), `${stream} ends with the marker`);
        assert.equal(text.split('[directord: output truncated').length, 2, `${stream}: exactly one marker`);
        const kept = text.slice(0, -TRUNCATION_MARKER.length);
        assert.equal(Buffer.byteLength(kept), CAP, `${stream}: exactly the cap is kept`);
        assert.ok(new RegExp(`^${letter}+$`).test(kept), `${stream}: the job's own bytes`);
      }
      assert.ok(memoryOf(c.serverPid).hwmKb < 300 * 1024, 'server peak RSS stays small');
      assert.ok(memoryOf(c.agent('b1').pid).hwmKb < 300 * 1024, 'agent peak RSS stays small');
      await undisturbed(c);
    },
  );

  test('output that is not UTF-8 is stored with U+FFFD in place of the bad bytes; the job succeeds', { timeout: 30_000 }, async () => {
    const m = marker();
    const id = await submitRun(c, `--skip-cache printf 'a\\377\\376b-${m}\\n'; printf '\\300err\\n' >&2`, ['b1']);
    const [job] = await c.await([id]);
    assert.equal(job?.targets[0]?.state, 'succeeded', job?.targets[0]?.info ?? '');
    const out = await c.output(id, 'b1');
    assert.equal(out.stdout, `a\uFFFD\uFFFDb-${m}\n`);
    assert.equal(out.stderr, '\uFFFDerr\n');
    await undisturbed(c);
  });
});
