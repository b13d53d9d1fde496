import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentManifest } from '#protocol/agents.js';
import { schemaToFields } from './fields.js';
import { defaultValues, formatJobString, parseJobString, quoteArg } from './argv.js';
import { validateValues } from './validate.js';
import { fieldsFor, readStep, stepProblems, writeStep } from './step-form.js';

const RUN: ComponentManifest = {
  verb: 'RUN',
  summary: 'Run a shell command',
  cacheable: true,
  requiresLock: false,
  builtin: true,
  args: {
    type: 'object',
    required: ['command'],
    properties: {
      no_block: { type: 'boolean', default: false, title: 'Fire and forget', 'x-argv': 'flag' },
      retry: { type: 'integer', minimum: 1, default: 1, title: 'Retries', 'x-argv': 'option' },
      command: { type: 'string', minLength: 1, title: 'Command', 'x-argv': 'rest', description: 'Shell command' },
    },
  },
};

const DNF: ComponentManifest = {
  verb: 'DNF',
  summary: 'Packages',
  cacheable: true,
  requiresLock: true,
  builtin: true,
  args: {
    type: 'object',
    required: ['packages'],
    properties: {
      state: {
        anyOf: [
          { const: 'present', type: 'string' },
          { const: 'latest', type: 'string' },
          { const: 'absent', type: 'string' },
        ],
        default: 'present',
        title: 'State',
      },
      exclude: { type: 'array', items: { type: 'string' }, title: 'Exclude' },
      name: { type: 'string', pattern: '^[a-z]+$', title: 'Name' },
      packages: { type: 'array', items: { type: 'string' }, 'x-argv': 'positionals', title: 'Packages' },
    },
  },
};

test('schema → fields: titles, kinds, defaults, enums, common flags', () => {
  const fields = fieldsFor(RUN);
  const command = fields.find((f) => f.name === 'command');
  assert.equal(command?.title, 'Command');
  assert.equal(command?.kind, 'text');
  assert.equal(command?.required, true);
  assert.equal(command?.description, 'Shell command');
  const retry = fields.find((f) => f.name === 'retry');
  assert.deepEqual([retry?.kind, retry?.flag, retry?.default, retry?.minimum], ['integer', '--retry', '1', 1]);
  assert.equal(fields.find((f) => f.name === 'no_block')?.kind, 'boolean');
  const skip = fields.find((f) => f.name === 'skip_cache');
  assert.deepEqual([skip?.common, skip?.flag], [true, '--skip-cache']);
  const state = schemaToFields(DNF.args).find((f) => f.name === 'state');
  assert.deepEqual(state?.options, ['present', 'latest', 'absent']);
  assert.equal(state?.kind, 'enum');
});

test('form → job string: options first, then the rest verbatim', () => {
  const fields = fieldsFor(RUN);
  const text = formatJobString(fields, { command: 'echo hi', retry: '2', skip_cache: true, no_block: false });
  assert.equal(text, '--skip-cache --retry 2 echo hi');
  assert.equal(formatJobString(fields, { command: 'echo  a   b', retry: '1' }), 'echo  a   b');
});

test('job string → form → job string round-trips, keeping explicit defaults', () => {
  for (const text of [
    '--skip-cache --retry 2 echo hi',
    '--retry 1 echo {{ x }} | grep y',
    '--stdout-arg wrkdir --timeout 30 ls -la',
    'curl --retry 3 http://x',
  ]) {
    const r = readStep(RUN, text);
    assert.ok(r.ok, text);
    if (r.ok) assert.equal(writeStep(RUN, r.values, r.present), text);
  }
  const r = readStep(RUN, 'curl --retry 3 http://x');
  assert.ok(r.ok && r.values.command === 'curl --retry 3 http://x' && r.values.retry === '1');
});

test('positionals and arrays quote what needs quoting', () => {
  const fields = fieldsFor(DNF);
  const text = formatJobString(fields, { state: 'latest', exclude: ['a', 'b'], packages: ['vim', "it's"] });
  assert.equal(text, `--state latest --exclude=a --exclude=b vim 'it'"'"'s'`);
  const back = parseJobString(fields, text);
  assert.ok(back.ok);
  if (back.ok)
    assert.deepEqual(
      [back.parsed.values.packages, back.parsed.values.exclude],
      [
        ['vim', "it's"],
        ['a', 'b'],
      ],
    );
  assert.equal(quoteArg('/tmp/x.conf'), '/tmp/x.conf');
});

test('validation: required, integer, minimum, pattern, enum, unknown options', () => {
  const fields = fieldsFor(RUN);
  const d = defaultValues(fields);
  assert.deepEqual(validateValues(fields, { ...d, command: '' }), { command: 'Required' });
  assert.equal(validateValues(fields, { ...d, command: 'x', retry: 'abc' }).retry, 'Must be a whole number');
  assert.equal(validateValues(fields, { ...d, command: 'x', retry: '0' }).retry, 'Must be at least 1');
  assert.equal(validateValues(fields, { ...d, command: 'x', timeout: '0' }).timeout, 'Must be more than 0');
  const dnf = fieldsFor(DNF);
  const dd = defaultValues(dnf);
  assert.match(validateValues(dnf, { ...dd, packages: ['x'], name: 'ABC' }).name ?? '', /Must match/);
  assert.match(validateValues(dnf, { ...dd, packages: ['x'], state: 'gone' }).state ?? '', /Choose one of/);
  assert.deepEqual(stepProblems(RUN, 'RUN', '--bogus echo'), ['Unknown option --bogus']);
  assert.deepEqual(stepProblems(RUN, 'RUN', ''), ['Command: Required']);
  assert.deepEqual(stepProblems(undefined, 'FOO', 'x'), ['No connected agent offers FOO']);
  assert.deepEqual(stepProblems(RUN, 'RUN', '--retry 2 echo ok'), []);
});
