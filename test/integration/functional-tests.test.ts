/**
 * Directord compatibility (issue #4): Directord's own functional test orchestration,
 * test/fixtures/directord/functional-tests.yaml, runs unchanged from its folder with
 * `directord orchestrate functional-tests.yaml --poll --check` against a real server and a real
 * agent, and every job succeeds — twice (the second run after the fixture's own CACHEEVICT all).
 * It uses RUN, ARG, ENV, WORKDIR, COPY, ADD --blueprint, CACHEFILE, QUERY, CACHEEVICT and ECHO,
 * with --run-once, --stdout-arg/--stderr-arg and vars; some jobs chown to uid 0 (root only).
 * It writes under /tmp/test and /tmp/test-mode, as Directord's CI does.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Cluster, describeRun, statusLines } from './harness.js';
import { DIRECTORD_FIXTURES } from '../fixtures/directord.js';

const FIXTURES = DIRECTORD_FIXTURES;
const FILE = 'functional-tests.yaml';
const skip = process.getuid?.() !== 0 ? 'needs root (jobs chown to uid 0)' : false;

/** The first job that did not succeed, with each failed target's info and output. */
async function firstFailure(c: Cluster, stdout: string): Promise<string> {
  const jobs = await c.await(statusLines(stdout).map((l) => l.id));
  for (const job of jobs) {
    const bad = job.targets.filter((t) => t.state !== 'succeeded');
    if (!bad.length) continue;
    const parts = [`first failed job: ${job.verb} ${job.text}`];
    for (const t of bad) {
      const out = await c.output(job.jobId, t.target);
      parts.push(`  ${t.target} ${t.state}: ${t.info ?? ''}\n  stdout: ${out.stdout}\n  stderr: ${out.stderr}`);
    }
    return parts.join('\n');
  }
  return 'no failed job found';
}

describe('Directord functional-tests.yaml end to end', { timeout: 300_000, skip }, () => {
  let c: Cluster | undefined;
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  // One agent: two agents on one host share /tmp/test, and the fixture's `RUN … | tee FILE` on one
  // truncates FILE while the other greps it (a race of the fixture, not of the engine; it also
  // passes with two agents most of the time). QUERY across two agents is in issue4.test.ts.
  // DIRECTORD_IT_FIXTURE_AGENTS=2 runs it with two anyway.
  const count = Number(process.env.DIRECTORD_IT_FIXTURE_AGENTS ?? '1');
  for (const agents of [Array.from({ length: count }, (_, i) => `n${i + 1}`)]) {
    test(`every job succeeds with ${agents.length} agent(s)`, { timeout: 150_000 }, async () => {
      await c?.close();
      rmSync('/tmp/test', { recursive: true, force: true });
      rmSync('/tmp/test-mode', { recursive: true, force: true });
      c = await Cluster.start({ agents });
      const ran = await c.cliIn(FIXTURES, ['orchestrate', FILE, '--poll', '--check'], 120_000);
      if (ran.code !== 0) assert.fail(`${describeRun(ran)}\n${await firstFailure(c, ran.stdout)}\n${c.logs()}`);
      const lines = statusLines(ran.stdout);
      assert.equal(lines.length, 54, describeRun(ran));
      assert.ok(
        lines.every((l) => l.outcome === 'Success'),
        describeRun(ran),
      );
      assert.doesNotMatch(ran.stdout, /FAILED JOBS\s*\n\S/);

      // QUERY collected every node's answer before `RUN echo "{{ query }}"` ran.
      const host = execSync('hostname -f', { encoding: 'utf8' }).trim();
      const expected = `{${agents.map((a) => `'${a}': {'query_test_arg': '${host}'}`).join(', ')}}`;
      assert.equal(readFileSync('/tmp/test/test-query', 'utf8').trim(), expected);
      // ADD --blueprint rendered the cache file and runtime args.
      const blueprint = readFileSync('/tmp/test/test-blueprint.yaml.j2', 'utf8');
      assert.match(blueprint, /test_stdout_arg: "hello world 2"/);
      assert.match(blueprint, /test_nested_args: \{'test': True\}/);

      // Run again: cacheable jobs are cache hits, and everything still succeeds.
      const again = await c.cliIn(FIXTURES, ['orchestrate', FILE, '--poll', '--check'], 120_000);
      if (again.code !== 0) assert.fail(`${describeRun(again)}\n${await firstFailure(c, again.stdout)}`);
    });
  }
});
