import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ARG, ENV, QUEUESENTINEL, RUN, WORKDIR, CACHEEVICT, ECHO } from './builtin/index.js';
import { defineComponent, type Component } from './define.js';
import { parseJob, tokenize } from './parse.js';

const XCOPY = defineComponent({
  verb: 'XCOPY',
  summary: 'test component with positionals and array options',
  args: Type.Object({
    tag: Type.Optional(Type.Array(Type.String(), { 'x-argv': 'option' })),
    mode: Type.Optional(Type.Integer({ 'x-argv': 'option', 'x-flag': '--m' })),
    files: Type.Array(Type.String(), { 'x-argv': 'positionals', minItems: 2 }),
  }),
  cacheable: true,
  requiresLock: false,
  run: async () => ({ ok: true }),
});

type OkCase = Readonly<{
  component: Component;
  text: string;
  vars?: Record<string, unknown>;
  fields?: Record<string, unknown>;
  common?: Record<string, unknown>;
  templateVars?: Record<string, unknown>;
  sha?: string;
}>;

const okCases: OkCase[] = [
  { component: RUN, text: "long '{{ jinja }}' quoted string string", sha: '9bbc435b49b5104da33093b22402c75a263a2d1665bcfc6faa29249e' },
  {
    component: RUN,
    text: 'command1',
    fields: { no_block: false, retry: 1, command: 'command1' },
    sha: 'e4b6223aa7e089ef41c972df012ea2b7ae309019cf00a35b4b00cf64',
  },
  { component: RUN, text: '--no-block --retry 3 echo hi', fields: { no_block: true, retry: 3, command: 'echo hi' } },
  { component: RUN, text: 'curl --retry 3 http://x', fields: { no_block: false, retry: 1, command: 'curl --retry 3 http://x' } },
  { component: RUN, text: '--retry=2 echo', fields: { no_block: false, retry: 2, command: 'echo' } },
  { component: RUN, text: "echo 'a    b'   &&  true\n", fields: { no_block: false, retry: 1, command: "echo 'a    b'   &&  true" } },
  { component: RUN, text: '-- --retry 3', fields: { no_block: false, retry: 1, command: '--retry 3' } },
  { component: RUN, text: '"--quoted" arg', fields: { no_block: false, retry: 1, command: '"--quoted" arg' } },
  {
    component: RUN,
    text: '--skip-cache --run-once --timeout 30 --force-lock --stdout-arg out --stderr-arg=err echo',
    common: { exec_help: false, skip_cache: true, run_once: true, timeout: 30, force_lock: true, stdout_arg: 'out', stderr_arg: 'err' },
  },
  {
    component: RUN,
    text: 'echo hello world 3',
    vars: { stdout_arg: 'test_stdout_arg2', retry: '5', skip_cache: true, foo: 'bar' },
    fields: { no_block: false, retry: 5, command: 'echo hello world 3' },
    common: { exec_help: false, skip_cache: true, run_once: false, timeout: 600, force_lock: false, stdout_arg: 'test_stdout_arg2' },
    templateVars: { foo: 'bar' },
  },
  { component: RUN, text: '--exec-help', common: { exec_help: true, skip_cache: false, run_once: false, timeout: 600, force_lock: false } },
  {
    component: RUN,
    text: '--skip-cache --exec-help --bogus',
    common: { exec_help: true, skip_cache: true, run_once: false, timeout: 600, force_lock: false },
  },
  { component: ARG, text: 'test_runtime_arg argument', fields: { args: { test_runtime_arg: 'argument' } } },
  { component: ARG, text: "test_runtime_complex_arg_list ['test']", fields: { args: { test_runtime_complex_arg_list: ['test'] } } },
  { component: ARG, text: 'k {"a": "b"}', fields: { args: { k: { a: 'b' } } } },
  { component: ARG, text: 'k 1.2', fields: { args: { k: 1.2 } } },
  { component: ARG, text: '--extend-args k [1, 2]', fields: { extend_args: true, args: { k: [1, 2] } } },
  { component: ARG, text: 'k hello   world', fields: { args: { k: 'hello   world' } } },
  { component: ENV, text: 'test_runtime_arg_as_int_env 12345', fields: { envs: { test_runtime_arg_as_int_env: 12345 } } },
  {
    component: WORKDIR,
    text: '--chown=0:0 --chmod=0777 /tmp/test-mode',
    fields: { user: '0', group: '0', mode: 0o777, workdir: '/tmp/test-mode' },
  },
  { component: WORKDIR, text: '--chown root /tmp/x', fields: { user: 'root', group: null, workdir: '/tmp/x' } },
  { component: WORKDIR, text: '--stdout-arg wrkdir /tmp/test', fields: { workdir: '/tmp/test' } },
  {
    component: WORKDIR,
    text: '/tmp/x',
    vars: { chmod: 0o755, chown: 'a:b' },
    fields: { user: 'a', group: 'b', mode: 0o755, workdir: '/tmp/x' },
  },
  { component: CACHEEVICT, text: 'all', fields: { cacheevict: 'all' } },
  { component: QUEUESENTINEL, text: 'true', fields: { parent_async_bypass: true } },
  { component: ECHO, text: 'hello  there', fields: { echo: 'hello  there' } },
  {
    component: XCOPY,
    text: '--tag a b --m 7 src "my file" /dst/',
    fields: { tag: ['a', 'b'], mode: 7, files: ['src', 'my file', '/dst/'] },
  },
  { component: XCOPY, text: '--tag=a --tag=b x y', fields: { tag: ['a', 'b'], files: ['x', 'y'] } },
];

test('parseJob: accepted job strings', () => {
  for (const c of okCases) {
    const r = parseJob(c.component, c.text, c.vars);
    assert.ok(r.ok, `${c.component.verb} ${c.text}: ${r.ok ? '' : r.error.message}`);
    const { value } = r;
    assert.equal(value.verb, c.component.verb);
    if (c.fields) assert.deepEqual(value.fields, c.fields, c.text);
    if (c.common) assert.deepEqual(value.common, c.common, c.text);
    assert.deepEqual(value.templateVars, c.templateVars ?? {}, c.text);
    if (c.sha) assert.equal(value.sha, c.sha, c.text);
    assert.match(value.sha, /^[0-9a-f]{56}$/);
  }
});

test('parseJob: field order is the SHA order', () => {
  const r = parseJob(RUN, '--stdout-arg x command1');
  assert.ok(r.ok);
  assert.deepEqual(Object.keys(r.value.fields), ['no_block', 'retry', 'command']);
  const plain = parseJob(RUN, 'command1');
  assert.ok(plain.ok);
  assert.notEqual(r.value.sha, plain.value.sha, 'stdout_arg is part of the SHA');
  const skip = parseJob(RUN, '--skip-cache command1');
  assert.ok(skip.ok);
  assert.equal(skip.value.sha, plain.value.sha, 'skip_cache is not part of the SHA');
});

const errorCases: [Component, string, Record<string, unknown> | undefined, string, string][] = [
  [RUN, '--foo echo', undefined, 'unknown-option', 'RUN: unknown option --foo'],
  [RUN, '--retry x echo', undefined, 'invalid-job', 'RUN: --retry expects an integer, got "x"'],
  [RUN, '--retry 0 echo', undefined, 'invalid-job', 'RUN: --retry must be >= 1, got 0'],
  [RUN, '--retry', undefined, 'invalid-job', 'RUN: --retry expects a value'],
  [RUN, '--timeout abc echo', undefined, 'invalid-job', 'RUN: --timeout expects a number, got "abc"'],
  [RUN, '--timeout 0 echo', undefined, 'invalid-job', 'RUN: --timeout must be > 0, got 0'],
  [RUN, '--no-block=yes echo', undefined, 'invalid-job', 'RUN: --no-block takes no value, got "yes"'],
  [RUN, '', undefined, 'invalid-job', 'RUN: missing COMMAND'],
  [RUN, '--skip-cache', undefined, 'invalid-job', 'RUN: missing COMMAND'],
  [RUN, 'echo', { retry: 'x' }, 'invalid-job', 'RUN: vars.retry expects an integer, got "x"'],
  [RUN, 'echo', { stdout_arg: 5 }, 'invalid-job', 'RUN: vars.stdout_arg expects a string, got 5'],
  [WORKDIR, '/x', { chmod: true }, 'invalid-job', 'WORKDIR: vars.chmod expects a string or an integer, got true'],
  [ARG, 'key', undefined, 'invalid-job', 'ARG: missing VALUE'],
  [ARG, '', undefined, 'invalid-job', 'ARG: missing KEY'],
  [ENV, 'A=B c', undefined, 'invalid-job', `ENV: KEY must not contain '=', got "A=B"`],
  [WORKDIR, '--chmod 999 /x', undefined, 'invalid-job', 'WORKDIR: --chmod expects an octal mode such as 0755, got "999"'],
  [WORKDIR, '--chown a:b:c /x', undefined, 'invalid-job', 'WORKDIR: --chown expects USER or USER:GROUP, got "a:b:c"'],
  [QUEUESENTINEL, '', undefined, 'invalid-job', 'QUEUESENTINEL: missing ANYTHING'],
  [CACHEEVICT, 'args extra', undefined, 'invalid-job', 'CACHEEVICT: unexpected argument "extra"'],
  [XCOPY, 'one', undefined, 'invalid-job', 'XCOPY: FILES needs at least 2 items, got ["one"]'],
  [XCOPY, 'a "b', undefined, 'invalid-job', 'XCOPY: FILES has an unterminated quote'],
];

test('parseJob: errors name the verb, the option and the problem', () => {
  for (const [component, text, vars, code, message] of errorCases) {
    const r = parseJob(component, text, vars);
    assert.ok(!r.ok, `${component.verb} ${text} should fail`);
    assert.equal(r.error.code, code, text);
    assert.equal(r.error.message, message, text);
  }
});

test('tokenize keeps offsets and applies shell quoting', () => {
  const text = `a "b c" 'd e'f g\\ h "x\\"y" 'un`;
  const tokens = tokenize(text);
  assert.deepEqual(
    tokens.map((t) => t.value),
    ['a', 'b c', 'd ef', 'g h', 'x"y', 'un'],
  );
  assert.deepEqual(
    tokens.map((t) => text.slice(t.start, t.end)),
    ['a', '"b c"', "'d e'f", 'g\\ h', '"x\\"y"', "'un"],
  );
  assert.deepEqual(
    tokens.map((t) => t.unterminated),
    [false, false, false, false, false, true],
  );
  assert.deepEqual(tokenize('  \n\t '), []);
});
