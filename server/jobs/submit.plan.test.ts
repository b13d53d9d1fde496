import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJob } from '../../components/parse.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import { testComponents } from '../testing/harness.js';
import { planSubmission, type PlanDeps } from './submit.plan.js';

let n = 0;
const deps = (online: string[] = ['a', 'b'], known: string[] = online): PlanDeps => ({
  lookup: (verb) => testComponents.find((c) => c.verb === verb),
  knownVerbs: () => testComponents.map((c) => c.verb),
  parse: parseJob,
  online,
  isKnown: (id) => known.includes(id),
  newId: () => `id-${++n}`,
  now: 1000,
});
const run = (jobs: RunSubmission['entries'][number]['jobs'], extra: Partial<RunSubmission> = {}): RunSubmission => ({
  kind: 'orchestrate',
  entries: [{ jobs }],
  ...extra,
});

test('targets: assign > submission targets > entry targets > all online', () => {
  const s: RunSubmission = {
    kind: 'orchestrate',
    targets: ['b'],
    entries: [
      {
        targets: ['a'],
        jobs: [
          { verb: 'RUN', text: 'one' },
          { verb: 'RUN', text: 'two', assign: ['a'] },
        ],
      },
      { targets: ['a'], jobs: [{ verb: 'RUN', text: 'three' }] },
    ],
  };
  const plan = planSubmission(s, deps());
  assert.ok(plan.ok);
  assert.deepEqual(
    plan.value.jobs.map((j) => j.targets.map((t) => t.target)),
    [['b'], ['a'], ['b']],
  );
  const noCli = planSubmission({ ...s, targets: undefined }, deps());
  assert.ok(noCli.ok);
  assert.deepEqual(
    noCli.value.jobs.map((j) => j.targets.map((t) => t.target)),
    [['a'], ['a'], ['a']],
  );
  const all = planSubmission(run([{ verb: 'RUN', text: 'x' }]), deps());
  assert.ok(all.ok);
  assert.deepEqual(
    all.value.jobs[0]?.targets.map((t) => t.target),
    ['a', 'b'],
  );
});

test('entries share a fresh parent id; exec jobs are their own parent', () => {
  const plan = planSubmission(
    {
      kind: 'orchestrate',
      entries: [
        {
          name: 'p',
          jobs: [
            { verb: 'RUN', text: 'a' },
            { verb: 'RUN', text: 'b' },
          ],
        },
        { jobs: [{ verb: 'RUN', text: 'c' }] },
      ],
    },
    deps(),
  );
  assert.ok(plan.ok);
  const [a, b, c] = plan.value.jobs.map((j) => j.job);
  assert.equal(a?.parentId, b?.parentId);
  assert.notEqual(a?.parentId, c?.parentId);
  assert.equal(a?.parentName, 'p');
  const exec = planSubmission({ kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'x' }] }] }, deps());
  assert.ok(exec.ok);
  assert.equal(exec.value.jobs[0]?.job.parentId, exec.value.jobs[0]?.job.jobId);
});

test('registered-but-offline targets fail alone; known ones stay queued (bug 9.8 fixed)', () => {
  const plan = planSubmission(run([{ verb: 'RUN', text: 'x' }], { targets: ['a', 'old'] }), deps(['a', 'b'], ['a', 'b', 'old']));
  assert.ok(plan.ok);
  const targets = plan.value.jobs[0]?.targets ?? [];
  assert.deepEqual(
    targets.map((t) => [t.target, t.state]),
    [
      ['a', 'queued'],
      ['old', 'failed'],
    ],
  );
  assert.match(targets[1]?.info ?? '', /^Target unknown\. Available targets \[a, b\] \(old is registered but offline\)$/);
});

test('a target no agent ever had refuses the whole submission, naming it and the closest known names', () => {
  const known = ['web-1', 'web-2', 'db-1'];
  const s: RunSubmission = {
    kind: 'orchestrate',
    source: 'site.yaml',
    entries: [
      { targets: ['web-1'], jobs: [{ verb: 'RUN', text: 'fine' }] },
      {
        targets: ['web1', 'nosuchhost'],
        jobs: [
          { verb: 'RUN', text: 'x', location: { line: 9, column: 5 } },
          { verb: 'RUN', text: 'y', assign: ['db-2'] },
        ],
      },
    ],
  };
  const plan = planSubmission(s, { ...deps(known), knownIdentities: () => known });
  assert.ok(!plan.ok);
  assert.equal(plan.error.code, 'unknown-target');
  assert.equal(
    plan.error.message,
    'unknown targets web1 (closest: web-1, web-2); nosuchhost; db-2 (closest: db-1, web-2); known hosts: web-1, web-2, db-1',
  );
  assert.deepEqual(plan.error.details, {
    unknown: ['web1', 'nosuchhost', 'db-2'],
    closest: { web1: ['web-1', 'web-2'], nosuchhost: [], 'db-2': ['db-1', 'web-2'] },
  });
  assert.deepEqual(plan.error.location, { file: 'site.yaml', line: 9, column: 5, field: 'entries[1].jobs[0].RUN' });
  // --target replaces entry targets: only the names in use are checked.
  assert.ok(
    planSubmission(
      {
        ...s,
        targets: ['web-2'],
        entries: [s.entries[1] as RunSubmission['entries'][number]].map((e) => ({ ...e, jobs: e.jobs.slice(0, 1) })),
      },
      deps(known),
    ).ok,
  );
  // Away after a REBOOT is not unknown.
  assert.ok(
    planSubmission(run([{ verb: 'RUN', text: 'x' }], { targets: ['web-9'] }), { ...deps(known), isRebooting: (t) => t === 'web-9' }).ok,
  );
  const none = planSubmission(run([{ verb: 'RUN', text: 'x' }], { targets: ['x'] }), deps([]));
  assert.ok(!none.ok);
  assert.equal(none.error.message, 'unknown target x; no host has connected yet');
});

test('a bad job N fails the whole submission with its location', () => {
  const s: RunSubmission = {
    kind: 'orchestrate',
    source: 'site.yaml',
    entries: [
      {
        jobs: [
          { verb: 'RUN', text: 'fine' },
          { verb: 'NOPE', text: 'x', location: { line: 7, column: 5 } },
        ],
      },
    ],
  };
  const plan = planSubmission(s, deps());
  assert.ok(!plan.ok);
  assert.equal(plan.error.code, 'unknown-verb');
  assert.equal(plan.error.message, 'unknown verb NOPE; known verbs: RUN, ECHO');
  assert.deepEqual(plan.error.location, { file: 'site.yaml', line: 7, column: 5, field: 'entries[0].jobs[1].NOPE' });
  const badArgs = planSubmission(
    run([
      { verb: 'RUN', text: 'ok' },
      { verb: 'RUN', text: '--timeout nope x', location: { line: 3, column: 1 } },
    ]),
    deps(),
  );
  assert.ok(!badArgs.ok);
  assert.equal(badArgs.error.code, 'invalid-job');
  assert.equal(badArgs.error.location?.line, 3);
  assert.match(badArgs.error.location?.field ?? '', /^entries\[0\]\.jobs\[1\]\.RUN/);
});

test('no online agents and no targets: no-targets', () => {
  const plan = planSubmission(run([{ verb: 'RUN', text: 'x' }]), deps([]));
  assert.ok(!plan.ok);
  assert.equal(plan.error.code, 'no-targets');
});

test('restrict skips jobs whose SHA is not listed; run_once keeps the first target', () => {
  const first = planSubmission(
    run([
      { verb: 'RUN', text: 'a' },
      { verb: 'RUN', text: '--run-once b' },
    ]),
    deps(),
  );
  assert.ok(first.ok);
  const [a, b] = first.value.jobs;
  assert.deepEqual(
    b?.targets.map((t) => t.target),
    ['a'],
  );
  assert.equal(b?.runOnce, true);
  const restricted = planSubmission(
    run(
      [
        { verb: 'RUN', text: 'a' },
        { verb: 'RUN', text: '--run-once b' },
      ],
      { restrict: [b?.job.sha ?? ''] },
    ),
    deps(),
  );
  assert.ok(restricted.ok);
  assert.equal(restricted.value.jobs[0]?.skippedReason, 'not selected by --restrict');
  assert.deepEqual(restricted.value.jobs[0]?.targets, []);
  assert.equal(restricted.value.jobs[0]?.job.sha, a?.job.sha);
  assert.equal(restricted.value.jobs[1]?.skippedReason, null);
});

test('skip_cache, async, vars and template vars reach the dispatched job', () => {
  const plan = planSubmission(
    {
      kind: 'orchestrate',
      ignoreCache: true,
      forceAsync: false,
      entries: [{ async: true, jobs: [{ verb: 'ECHO', text: 'hi', vars: { loud: true, who: 'me' } }] }],
    },
    deps(),
  );
  assert.ok(plan.ok);
  const job = plan.value.jobs[0]?.job;
  assert.equal(job?.skipCache, true);
  assert.equal(job?.parentAsync, true);
  assert.equal(job?.args.loud, true);
  assert.deepEqual(job?.vars, { who: 'me' });
  assert.equal(job?.timeout, 600);
});
