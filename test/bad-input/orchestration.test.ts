/**
 * Bad input table, part 1 (issue #5): what a user writes — orchestration files and job strings,
 * through the real `directord` CLI against a real server and two real agents. Each case asserts
 * the exact error (file:line:column, the field or option) and that nothing was submitted or, for
 * errors found when the job runs, that the job failed alone with a clear reason; then
 * {@link undisturbed}: a normal job still succeeds on both agents.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeRun, literal, marker, type Cluster } from '../integration/harness.js';
import { counts, startCluster, submitRun, undisturbed } from './support.js';

type FileCase = Readonly<{
  kind: string;
  /** The file's text (or bytes); `M` is replaced by a marker. */
  text: string | Buffer;
  /** What stderr must be, after `FILE:`. */
  error: RegExp;
}>;

const FILE_CASES: readonly FileCase[] = [
  {
    kind: 'malformed YAML',
    text: '- name: ok\n  jobs:\n    - RUN: echo M\n- name: broken\n  jobs:\n    - RUN: [unclosed\n',
    error: /^7:1: YAML syntax error: .+$/,
  },
  { kind: 'top level not a list', text: 'jobs:\n  - RUN: echo M\n', error: /^1:1: .*(list|sequence).*$/i },
  {
    kind: 'unknown key in an entry',
    text: '- jobs:\n    - RUN: echo M\n  tagets: [b1]\n',
    error: /^3:3: .*unknown key "tagets"; expected one of .*targets.*$/,
  },
  {
    kind: 'wrong type: targets is a number',
    text: '- targets: 5\n  jobs:\n    - RUN: echo M\n',
    error: /^1:12: .*targets.*(list|sequence|array).*$/i,
  },
  {
    kind: 'wrong type: async is not a boolean',
    text: '- async: maybe\n  jobs:\n    - RUN: echo M\n',
    error: /^1:10: \[0\]\.async: expected true\/false \(or yes\/no, on\/off, 1\/0\), got the string "maybe"$/,
  },
  { kind: 'wrong type: a job string is a mapping', text: '- jobs:\n    - RUN: {a: 1}\n', error: /^2:12: .*RUN.*(string|text).*$/i },
  { kind: 'wrong type: jobs is a string', text: '- jobs: RUN echo M\n', error: /^1:9: .*jobs.*(list|sequence).*$/i },
  {
    kind: 'unknown verb',
    text: '- jobs:\n    - RUN: echo M\n    - NOPE: echo x\n',
    error: /^3:7: .*unknown verb NOPE; known verbs: .*RUN.*$/,
  },
  { kind: 'unknown option', text: '- jobs:\n    - RUN: echo M\n    - RUN: --bogus echo x\n', error: /^3:7: .*unknown option --bogus.*$/ },
  {
    kind: 'option with a wrong value',
    text: '- jobs:\n    - RUN: echo M\n    - RUN: --timeout soon echo x\n',
    error: /^3:7: .*--timeout expects a number.*"soon".*$/,
  },
  {
    kind: 'invalid UTF-8 in the file',
    text: Buffer.concat([Buffer.from('- jobs:\n    - RUN: echo M '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    error: /^2:19: not valid UTF-8 \(byte 0xff at offset 26\); save the file as UTF-8$/,
  },
  {
    kind: 'invalid target name',
    text: '- targets: ["bad target!"]\n  jobs:\n    - RUN: echo M\n',
    error: /^1:\d+: .*"bad target!".*(target|identity).*$/i,
  },
];

describe('bad input: orchestration files and job strings (real server, 2 agents, CLI)', { timeout: 300_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await startCluster();
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  for (const fc of FILE_CASES) {
    test(`${fc.kind}: the error names file:line:column, nothing is submitted, work goes on`, { timeout: 60_000 }, async () => {
      const m = marker();
      const path = join(c.dataDir, `case-${m}.yaml`);
      writeFileSync(path, typeof fc.text === 'string' ? fc.text.replaceAll('M', m) : fc.text);
      const before = await counts(c);
      const ran = await c.cli('orchestrate', path, '--poll');
      assert.equal(ran.code, 2, describeRun(ran));
      assert.equal(ran.stdout, '', describeRun(ran));
      const line = ran.stderr.trimEnd();
      assert.ok(line.startsWith(`${path}:`), `names the file first: ${line}`);
      assert.match(line.slice(path.length + 1), fc.error, describeRun(ran));
      assert.deepEqual(await counts(c), before, 'nothing was submitted');
      await undisturbed(c);
    });
  }

  test('exec with an unknown verb lists the known ones; nothing is submitted', { timeout: 60_000 }, async () => {
    const before = await counts(c);
    const ran = await c.cli('exec', '--verb', 'NOPE', 'echo hi', '--poll');
    assert.equal(ran.code, 2, describeRun(ran));
    assert.match(ran.stderr, /^.*unknown verb NOPE; known verbs: (?=.*\bRUN\b)(?=.*\bADD\b).+\n$/);
    assert.deepEqual(await counts(c), before);
    await undisturbed(c);
  });

  test('a template naming a variable that does not exist: that job fails naming it; the agent goes on', { timeout: 60_000 }, async () => {
    const m = marker();
    const id = await submitRun(c, `--skip-cache echo {{ missing_${m} }}`, ['b1']);
    const [job] = await c.await([id]);
    const t = job?.targets[0];
    assert.equal(t?.state, 'failed');
    assert.match(t?.info ?? '', new RegExp(`undefined variable 'missing_${m}'`), t?.info ?? '');
    assert.match((await c.output(id, 'b1')).stderr, new RegExp(`undefined variable 'missing_${m}'`));
    await undisturbed(c);
  });

  const escapes = [
    { template: "{{ ''.__class__.__mro__ }}", error: /'str' has no attribute '__class__'/ },
    { template: "{{ x.constructor.constructor('return process')() }}", error: /undefined variable 'x'|has no attribute 'constructor'/ },
    { template: '{{ cycler.__init__.__globals__.os }}', error: /undefined variable 'cycler'/ },
  ];
  for (const e of escapes) {
    test(`a template reaching outside its sandbox (${e.template}) fails clearly and runs nothing`, { timeout: 60_000 }, async () => {
      const m = marker();
      const id = await submitRun(c, `--skip-cache echo ran-${m} ${e.template}`, ['b1']);
      const [job] = await c.await([id]);
      const t = job?.targets[0];
      assert.equal(t?.state, 'failed');
      assert.match(t?.info ?? '', e.error, t?.info ?? '');
      assert.doesNotMatch((await c.output(id, 'b1')).stdout, new RegExp(`ran-${m}`), 'the command did not run');
      await undisturbed(c);
    });
  }

  test(
    'a bad server option (--max-output-bytes, --retention-days) names the option and the value; no server starts',
    { timeout: 60_000 },
    async () => {
      for (const [option, value, expected] of [
        [
          '--max-output-bytes',
          'lots',
          /option '--max-output-bytes <bytes>' argument 'lots' is invalid\. expected a whole number of bytes greater than 0/,
        ],
        ['--max-output-bytes', '10', /option '--max-output-bytes <bytes>' argument '10' is invalid\. expected at least 1024 bytes/],
        ['--retention-days', '-1', /option '--retention-days <days>' argument '-1' is invalid\. expected a number of days greater than 0/],
      ] as const) {
        const ran = await c.cli('server', '--port', '0', option, value);
        assert.equal(ran.code, 2, describeRun(ran));
        assert.match(ran.stderr, expected, describeRun(ran));
      }
      await undisturbed(c);
    },
  );

  test('a bad option on the command line names it; nothing is submitted', { timeout: 60_000 }, async () => {
    const before = await counts(c);
    const retry = await c.cli('exec', '--verb', 'RUN', '--retry', 'x', 'echo', '--poll');
    assert.equal(retry.code, 2, describeRun(retry));
    assert.match(retry.stderr, new RegExp(`${literal('--retry expects an integer, got "x"')}`));
    assert.deepEqual(await counts(c), before);
    await undisturbed(c);
  });
});
