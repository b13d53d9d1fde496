/** `{{ secrets.NAME }}` at submit (issue #18): names found, unknown ones refused, versions (not values) in the SHA, ARG/ENV refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinComponents } from '../../components/builtin/index.js';
import { parseJob } from '../../components/parse.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import { fail, ok } from '../../protocol/result.js';
import { secretRefs } from '../../protocol/secret-refs.js';
import { planSubmission, type PlanDeps } from './submit.plan.js';

let n = 0;
const deps = (versions: Record<string, number>): PlanDeps => ({
  lookup: (verb) => builtinComponents.find((c) => c.verb === verb),
  knownVerbs: () => builtinComponents.map((c) => c.verb),
  parse: parseJob,
  online: ['a'],
  isKnown: (id) => id === 'a',
  secretVersions: (names) => {
    const out: Record<string, number> = {};
    for (const name of names) {
      const v = versions[name];
      if (v === undefined) return fail('not-found', `no secret ${name} (set it with: directord secret set ${name})`);
      out[name] = v;
    }
    return ok(out);
  },
  newId: () => `id-${++n}`,
  now: 1000,
});
const exec = (verb: string, text: string, vars?: Record<string, unknown>): RunSubmission => ({
  kind: 'exec',
  entries: [{ jobs: [{ verb, text, ...(vars ? { vars } : {}) }] }],
});

test('secretRefs: dotted and subscript names inside template parts only, each once, sorted', () => {
  assert.deepEqual(secretRefs({ command: "echo {{ secrets.B }} {{ secrets['A'] }} {%if secrets.C %}x{% endif %} {{ secrets.B[:3] }}" }), [
    'A',
    'B',
    'C',
  ]);
  assert.deepEqual(
    secretRefs({ command: 'echo secrets.PLAIN {{ my_secrets.X }} {{ x.secrets.Y }}' }),
    [],
    'plain text and other names are no references',
  );
  assert.deepEqual(secretRefs(['{{ secrets.IN_LIST }}'], { var: { nested: '{{secrets.NESTED}}' } }), ['IN_LIST', 'NESTED']);
});

test('the job keeps the template; its SHA covers the secret version, not the value; unchanged version, same SHA', () => {
  const text = 'printf %s "{{ secrets.TOKEN }}" > /tmp/x';
  const v1 = planSubmission(exec('RUN', text), deps({ TOKEN: 1 }));
  const again = planSubmission(exec('RUN', text), deps({ TOKEN: 1 }));
  const v2 = planSubmission(exec('RUN', text), deps({ TOKEN: 2 }));
  assert.ok(v1.ok && again.ok && v2.ok);
  const job = v1.value.jobs[0]!;
  assert.equal(job.job.args.command, text, 'the stored job keeps the template');
  assert.equal(job.job.secrets, undefined, 'no value in the planned (stored) job');
  assert.equal(again.value.jobs[0]!.job.sha, job.job.sha, 'same version: same SHA (a cache hit)');
  assert.notEqual(v2.value.jobs[0]!.job.sha, job.job.sha, 'a new version: a new SHA (runs again)');
  const plain = planSubmission(exec('RUN', 'printf %s "x" > /tmp/x'), deps({}));
  assert.ok(plain.ok);
  const noSecret = planSubmission(exec('RUN', text.replace('{{ secrets.TOKEN }}', '{{ other }}')), deps({}));
  assert.ok(noSecret.ok);
  assert.notEqual(noSecret.value.jobs[0]!.job.sha, job.job.sha);
});

test('an unknown secret refuses the whole submission, naming it and how to set it', () => {
  const s: RunSubmission = {
    kind: 'orchestrate',
    entries: [
      {
        jobs: [
          { verb: 'RUN', text: 'echo fine' },
          { verb: 'RUN', text: 'echo {{ secrets.NOPE }}' },
        ],
      },
    ],
  };
  const planned = planSubmission(s, deps({ TOKEN: 1 }));
  assert.equal(planned.ok, false);
  assert.ok(!planned.ok);
  assert.equal(planned.error.code, 'not-found');
  assert.equal(planned.error.message, 'no secret NOPE (set it with: directord secret set NOPE)');
  assert.equal(planned.error.location?.field, 'entries[0].jobs[1].RUN');
  // vars are templates too.
  const viaVars = planSubmission(exec('RUN', 'echo {{ x }}', { x: '{{ secrets.ALSO_NOPE }}' }), deps({}));
  assert.ok(!viaVars.ok && viaVars.error.message.startsWith('no secret ALSO_NOPE'));
});

test('ARG and ENV may not use secrets: they store the rendered value in the agent cache', () => {
  for (const verb of ['ARG', 'ENV']) {
    const planned = planSubmission(exec(verb, 'KEY {{ secrets.TOKEN }}'), deps({ TOKEN: 1 }));
    assert.ok(!planned.ok, verb);
    assert.equal(planned.error.code, 'invalid-job');
    assert.match(planned.error.message, new RegExp(`^${verb} stores its rendered value in the target's cache`));
  }
});
