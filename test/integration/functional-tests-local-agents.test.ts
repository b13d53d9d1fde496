/**
 * Issue #13 item 9: Directord's functional-tests.yaml with `serve --local-agents 4`. The fixture
 * writes fixed paths under /tmp (/tmp/test, /tmp/test-mode); four agents sharing one /tmp
 * overwrote each other's files (154 ok / 32 failed, once in two runs). Each local agent now has
 * its own /tmp (a private mount namespace, DATA_DIR/agents-tmp/IDENTITY), and every job succeeds,
 * twice (the second run after the fixture's own CACHEEVICT all).
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { privateTmpSupported } from '../../cli/local-agents.js';
import { Cluster, describeRun, ROOT, statusLines } from './harness.js';

// The fixture is in the repository (Apache-2.0, test/fixtures/directord/LICENSE): it runs from its own folder, as Directord's CI does.
const FIXTURES = join(ROOT, 'test', 'fixtures', 'directord');
const FILE = 'functional-tests.yaml';
const support = privateTmpSupported();
const skip = support.ok ? false : `no private /tmp for local agents here (${support.why})`;

describe('functional-tests.yaml with serve --local-agents 4', { timeout: 400_000, skip }, () => {
  let c: Cluster | undefined;
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('every job succeeds on all four local agents, twice; each agent wrote its own /tmp', { timeout: 380_000 }, async () => {
    c = await Cluster.start({ localAgents: 4 });
    const agents = c.localAgentNames();
    assert.equal(agents.length, 4);
    for (const round of [1, 2]) {
      const ran = await c.cliIn(FIXTURES, ['orchestrate', FILE, '--poll', '--check'], 170_000);
      if (ran.code !== 0) assert.fail(`round ${round}: ${describeRun(ran)}\n${c.logs()}`);
      const lines = statusLines(ran.stdout);
      assert.equal(lines.length, 54, describeRun(ran));
      assert.ok(
        lines.every((l) => l.outcome === 'Success'),
        describeRun(ran),
      );
    }
    // QUERY collected every node's answer before `RUN echo "{{ query }}"` wrote it, in each agent's own /tmp.
    const host = execSync('hostname -f', { encoding: 'utf8' }).trim();
    for (const agent of agents) {
      const written = readFileSync(join(c.dataDir, 'agents-tmp', agent, 'test', 'test-query'), 'utf8').trim();
      for (const other of agents) assert.ok(written.includes(`'${other}': {'query_test_arg': '${host}'}`), `${agent}: ${written}`);
    }
  });
});
