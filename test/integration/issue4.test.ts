/**
 * Issue #4 end to end with real processes (server, two agents, the CLI): ADD/COPY from the
 * operator's folder (globs, --chmod, changed content re-sent, same content still chmodded, clear
 * errors), QUERY across two agents, JOB_WAIT (success, failure, timeout), and a user component
 * installed on — and upgraded on — already connected agents.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, marker, statusLines } from './harness.js';

describe('issue #4: files, QUERY, JOB_WAIT, user components (real server, 2 agents, CLI)', { timeout: 180_000 }, () => {
  let c: Cluster;
  let work: string;
  before(
    async () => {
      c = await Cluster.start({ agents: ['n1', 'n2'] });
      work = mkdtempSync(join(tmpdir(), 'directord-issue4-'));
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const ids = (stdout: string) => statusLines(stdout).map((l) => l.id);

  test(
    'ADD: a glob from the working directory to DEST/, with --chmod; changed content is sent again; same content is still chmodded',
    { timeout: 60_000 },
    async () => {
      const m = marker();
      const src = join(work, `src-${m}`);
      const dest = join(work, `dest-${m}`);
      mkdirSync(join(src, 'conf'), { recursive: true });
      writeFileSync(join(src, 'conf', 'a.conf'), `alpha ${m}\n`);
      writeFileSync(join(src, 'conf', 'b.conf'), `beta ${m}\n`);
      writeFileSync(join(src, 'conf', 'skip.txt'), 'not matched\n');
      const add = () => c.cliIn(src, ['exec', '--verb', 'ADD', '--target', 'n1', '--chmod', '0640', 'conf/*.conf', `${dest}/`, '--poll']);
      const first = await add();
      assert.equal(first.code, 0, describeRun(first));
      assert.equal(readFileSync(join(dest, 'a.conf'), 'utf8'), `alpha ${m}\n`);
      assert.equal(readFileSync(join(dest, 'b.conf'), 'utf8'), `beta ${m}\n`);
      assert.equal(statSync(join(dest, 'a.conf')).mode & 0o777, 0o640);
      assert.throws(() => statSync(join(dest, 'skip.txt')));
      const [firstJob] = await c.await(ids(first.stdout));
      const out = await c.output(firstJob!.jobId, 'n1');
      assert.match(out.stdout, new RegExp(`${dest}/a\\.conf SHA3_224 [0-9a-f]{56}\\n${dest}/b\\.conf SHA3_224 [0-9a-f]{56}\\n`));

      // Bug 9.2 fixed: the same command with changed content is a new job SHA, not a cache hit.
      writeFileSync(join(src, 'conf', 'b.conf'), `beta, edited ${m}\n`);
      const second = await add();
      assert.equal(second.code, 0, describeRun(second));
      const [secondJob] = await c.await(ids(second.stdout));
      assert.notEqual(secondJob!.sha, firstJob!.sha);
      assert.equal(secondJob!.targets[0]?.cached, false);
      assert.equal(readFileSync(join(dest, 'b.conf'), 'utf8'), `beta, edited ${m}\n`);

      // Bug 9.7 fixed: unchanged content is not sent again, but the mode is still applied.
      chmodSync(join(dest, 'a.conf'), 0o600);
      const third = await c.cliIn(src, [
        'exec',
        '--verb',
        'COPY',
        '--target',
        'n1',
        '--skip-cache',
        '--chmod',
        '0644',
        'conf/a.conf',
        `${dest}/a.conf`,
        '--poll',
      ]);
      assert.equal(third.code, 0, describeRun(third));
      assert.equal(statSync(join(dest, 'a.conf')).mode & 0o777, 0o644);
      const [thirdJob] = await c.await(ids(third.stdout));
      assert.match(
        (await c.output(thirdJob!.jobId, 'n1')).stdout,
        new RegExp(`^File exists ${dest}/a\\.conf and SHA3_224 [0-9a-f]{56} matches, nothing to transfer\\n$`),
      );
    },
  );

  test('ADD: a source that matches nothing is an input error naming the pattern and the folder; nothing is submitted', async () => {
    const ran = await c.cliIn(work, ['exec', '--verb', 'ADD', 'nothing-here-*.conf', '/tmp/x/', '--poll']);
    assert.equal(ran.code, 2, describeRun(ran));
    assert.equal(ran.stderr.trim(), `ADD: no file matches nothing-here-*.conf (looked in ${work})`);
    assert.equal(ran.stdout, '');
  });

  test('QUERY collects an arg from both agents; the next job sees {{ query }} (spec 4.10)', { timeout: 60_000 }, async () => {
    const m = marker();
    const file = join(work, `query-${m}.yaml`);
    writeFileSync(
      file,
      `- jobs:
    - ARG: qarg-${m} one-${m}
      assign: [n1]
    - ARG: qarg-${m} two-${m}
      assign: [n2]
    - QUERY: qarg-${m}
    - RUN: echo "{{ query }}"
`,
    );
    const ran = await c.cliIn(work, ['orchestrate', file, '--poll', '--check']);
    assert.equal(ran.code, 0, describeRun(ran));
    const jobs = await c.await(ids(ran.stdout));
    const echo = jobs.at(-1)!;
    const expected = `{'n1': {'qarg-${m}': 'one-${m}'}, 'n2': {'qarg-${m}': 'two-${m}'}}\n`;
    for (const node of ['n1', 'n2']) {
      const stdout = (await c.output(echo.jobId, node)).stdout;
      // Earlier QUERYs of this cluster add their own keys; this one's are all there.
      assert.ok(
        stdout.includes(`'qarg-${m}': 'one-${m}'`) && stdout.includes(`'qarg-${m}': 'two-${m}'`),
        `${node}: ${stdout} (expected ${expected})`,
      );
    }
  });

  test('JOB_WAIT: succeeds once the job succeeded on every identity; fails on failure and on timeout', { timeout: 60_000 }, async () => {
    const m = marker();
    const job = await c.cli('exec', '--verb', 'RUN', `echo wait-${m}`, '--poll');
    assert.equal(job.code, 0, describeRun(job));
    const [record] = await c.await(ids(job.stdout));
    const okRun = await c.cli('exec', '--verb', 'JOB_WAIT', '--target', 'n1', '--identity', 'n1', 'n2', record!.sha, '--poll');
    assert.equal(okRun.code, 0, describeRun(okRun));
    const [okRecord] = await c.await(ids(okRun.stdout));
    assert.match((await c.output(okRecord!.jobId, 'n1')).stdout, new RegExp(`Job ${record!.sha} succeeded on \\['n1', 'n2'\\]`));

    const bad = await c.cli('exec', '--verb', 'RUN', `exit 3 # ${m}`, '--target', 'n2', '--poll');
    assert.equal(bad.code, 1, describeRun(bad));
    const [badRecord] = await c.await(ids(bad.stdout));
    const failRun = await c.cli('exec', '--verb', 'JOB_WAIT', '--target', 'n1', '--identity', 'n2', badRecord!.sha, '--poll');
    assert.equal(failRun.code, 1, describeRun(failRun));
    const [failRecord] = await c.await(ids(failRun.stdout));
    assert.match(failRecord!.targets[0]?.info ?? '', /did not succeed on \['n2'\]: n2 failed/);

    const started = Date.now();
    const timeoutRun = await c.cli(
      'exec',
      '--verb',
      'JOB_WAIT',
      '--target',
      'n1',
      '--identity',
      'n1',
      '--job-timeout',
      '1',
      'f'.repeat(56),
      '--poll',
    );
    assert.equal(timeoutRun.code, 1, describeRun(timeoutRun));
    assert.ok(Date.now() - started < 15_000);
    const [timeoutRecord] = await c.await(ids(timeoutRun.stdout));
    assert.match(timeoutRecord!.targets[0]?.info ?? '', /Timeout after 1 seconds waiting for job f+ on \['n1'\]/);
  });

  test('a user component reaches connected agents on first use, and its upgrade too', { timeout: 60_000 }, async () => {
    const dir = join(c.dataDir, 'components');
    mkdirSync(dir, { recursive: true });
    const source = (suffix: string) => `export default ({ Type, defineComponent }) => defineComponent({
  verb: 'SHOUT',
  summary: 'Shout',
  args: Type.Object({ text: Type.String({ 'x-argv': 'rest', minLength: 1 }) }),
  cacheable: false,
  requiresLock: false,
  async run(ctx, fields) { ctx.write('stdout', ctx.render(String(fields.text)).toUpperCase() + '${suffix}\\n'); return { ok: true }; },
}, false);
`;
    writeFileSync(join(dir, 'shout.mjs'), source(''));
    const first = await c.cli('exec', '--verb', 'SHOUT', 'hello {{ who | default("there") }}', '--poll');
    assert.equal(first.code, 0, describeRun(first));
    const [one] = await c.await(ids(first.stdout));
    for (const node of ['n1', 'n2']) assert.equal((await c.output(one!.jobId, node)).stdout, 'HELLO THERE\n');

    writeFileSync(join(dir, 'shout.mjs'), source(' (v2)'));
    const second = await c.cli('exec', '--verb', 'SHOUT', 'hello again', '--poll');
    assert.equal(second.code, 0, describeRun(second));
    const [two] = await c.await(ids(second.stdout));
    for (const node of ['n1', 'n2']) assert.equal((await c.output(two!.jobId, node)).stdout, 'HELLO AGAIN (v2)\n');
    assert.equal((c.agent('n1').stderr.match(/user component installed/g) ?? []).length, 2, 'installed once per version');
  });
});
