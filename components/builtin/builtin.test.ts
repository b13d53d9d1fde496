import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Component, ComponentResult } from '../define.js';
import { parseJob } from '../parse.js';
import { createFakeContext, type FakeCall, type FakeContextOptions } from '../testing.js';
import { argvSpecs, isPositional } from '../argv.js';
import { commonArgsFor } from '../common-args.js';
import { formatExecHelp } from '../exec-help.js';
import { ARG, builtinComponents, CACHEEVICT, ECHO, ENV, QUEUESENTINEL, RUN, WORKDIR } from './index.js';

type Row = Readonly<{
  name: string;
  component: Component;
  /** A job string (parsed with parseJob) or ready job fields. */
  job: string | Record<string, unknown>;
  ctx?: FakeContextOptions;
  calls: FakeCall[];
  result: ComponentResult;
  args?: Record<string, unknown>;
}>;

const rows: Row[] = [
  {
    name: 'RUN renders and runs the command',
    component: RUN,
    job: 'echo {{ wrkdir }} | grep /tmp/test',
    ctx: { args: { wrkdir: '/tmp/test' }, exec: [{ exitCode: 0, stdout: '/tmp/test\n' }] },
    calls: [['exec', 'echo /tmp/test | grep /tmp/test', { detach: false, capture: false }]],
    result: { ok: true, info: 'echo /tmp/test | grep /tmp/test', exitCode: 0 },
  },
  {
    name: 'RUN fails on a non-zero exit',
    component: RUN,
    job: 'false',
    ctx: { exec: [{ exitCode: 1 }] },
    calls: [['exec', 'false', { detach: false, capture: false }]],
    result: { ok: false, info: 'false', exitCode: 1 },
  },
  {
    name: 'RUN retries until success and writes only the last attempt output',
    component: RUN,
    job: '--retry 3 flaky',
    ctx: {
      exec: [
        { exitCode: 1, stderr: 'no\n' },
        { exitCode: 0, stdout: 'yes\n' },
      ],
    },
    calls: [
      ['exec', 'flaky', { detach: false, stream: false }],
      ['exec', 'flaky', { detach: false, stream: false }],
      ['write', 'stdout', 'yes\n'],
    ],
    result: { ok: true, info: 'flaky', exitCode: 0 },
  },
  {
    name: 'RUN gives up after retry attempts',
    component: RUN,
    job: '--retry 2 broken',
    ctx: { exec: [{ exitCode: 2, stderr: 'bad\n' }] },
    calls: [
      ['exec', 'broken', { detach: false, stream: false }],
      ['exec', 'broken', { detach: false, stream: false }],
      ['write', 'stderr', 'bad\n'],
    ],
    result: { ok: false, info: 'broken', exitCode: 2 },
  },
  {
    name: 'RUN --no-block detaches',
    component: RUN,
    job: '--no-block sleep 100',
    ctx: { exec: [{ exitCode: null }] },
    calls: [['exec', 'sleep 100', { detach: true }]],
    result: { ok: true, info: 'sleep 100', exitCode: null },
  },
  {
    name: 'RUN with an undefined variable fails without running',
    component: RUN,
    job: 'echo {{ nope }}',
    calls: [['write', 'stderr', "undefined variable 'nope'\n"]],
    result: { ok: false, info: "undefined variable 'nope'" },
  },
  {
    name: 'RUN with an empty rendered command fails',
    component: RUN,
    job: { no_block: false, retry: 1, command: '{{ empty }}' },
    ctx: { args: { empty: '' } },
    calls: [['write', 'stderr', 'RUN: the rendered command is empty\n']],
    result: { ok: false, info: '' },
  },
  {
    name: 'ARG stores a typed value',
    component: ARG,
    job: "test_runtime_complex_arg_list ['test']",
    calls: [
      ['setArgs', { test_runtime_complex_arg_list: ['test'] }, { extend: false }],
      ['write', 'stdout', 'args added to cache\n'],
    ],
    result: { ok: true, info: "type:args, value:{'test_runtime_complex_arg_list': ['test']}" },
  },
  {
    name: 'ARG renders values against the args cache and extends',
    component: ARG,
    job: '--extend-args greeting {"text": "hi {{ who }}", "n": 1}',
    ctx: { args: { who: 'ann "the" \\ one' } },
    calls: [
      ['setArgs', { greeting: { text: 'hi ann "the" \\ one', n: 1 } }, { extend: true }],
      ['write', 'stdout', 'args added to cache\n'],
    ],
    result: { ok: true, info: `type:args, value:{'greeting': {'text': 'hi ann "the" \\\\ one', 'n': 1}}` },
  },
  {
    name: 'ARG keeps a value whose template fails, with a warning',
    component: ARG,
    job: 'later echo {{ missing }}',
    calls: [
      ['write', 'stderr', "value left unrendered: undefined variable 'missing'\n"],
      ['setArgs', { later: 'echo {{ missing }}' }, { extend: false }],
      ['write', 'stdout', 'args added to cache\n'],
    ],
    result: { ok: true, info: "type:args, value:{'later': 'echo {{ missing }}'}" },
  },
  {
    name: 'ENV stringifies values',
    component: ENV,
    job: 'test_runtime_arg_as_int_env 12345',
    calls: [
      ['setEnvs', { test_runtime_arg_as_int_env: '12345' }, { extend: false }],
      ['write', 'stdout', 'envs added to cache\n'],
    ],
    result: { ok: true, info: "type:envs, value:{'test_runtime_arg_as_int_env': 12345}" },
  },
  {
    name: 'WORKDIR creates, chowns and chmods',
    component: WORKDIR,
    job: '--chown=0:0 --chmod=0777 /tmp/{{ name }}',
    ctx: { args: { name: 'test-mode' } },
    calls: [
      ['mkdirp', '/tmp/test-mode'],
      ['chown', '/tmp/test-mode', '0', '0'],
      ['chmod', '/tmp/test-mode', 0o777],
      ['write', 'stdout', 'Directory /tmp/test-mode OK\n'],
    ],
    result: { ok: true, info: '/tmp/test-mode' },
  },
  {
    name: 'WORKDIR without options only creates',
    component: WORKDIR,
    job: '/tmp/test',
    calls: [
      ['mkdirp', '/tmp/test'],
      ['write', 'stdout', 'Directory /tmp/test OK\n'],
    ],
    result: { ok: true, info: '/tmp/test' },
  },
  {
    name: 'WORKDIR reports a chown failure',
    component: WORKDIR,
    job: '--chown nobodyhere /tmp/x',
    ctx: { failFiles: { chown: 'unknown user nobodyhere' } },
    calls: [
      ['mkdirp', '/tmp/x'],
      ['chown', '/tmp/x', 'nobodyhere', null],
      ['write', 'stderr', 'Failed to set ownership properties. USER:nobodyhere GROUP:null: unknown user nobodyhere\n'],
    ],
    result: { ok: false, info: '/tmp/x' },
  },
  {
    name: 'CACHEEVICT all',
    component: CACHEEVICT,
    job: 'all',
    calls: [
      ['evict', 'all'],
      ['write', 'stdout', 'All cache has been cleared\n'],
    ],
    result: { ok: true, info: 'All cache has been cleared' },
  },
  {
    name: 'CACHEEVICT a documented tag (bug 9.1 fixed)',
    component: CACHEEVICT,
    job: 'jobs',
    ctx: { evict: () => ({ ok: true, removed: 12 }) },
    calls: [
      ['evict', 'jobs'],
      ['write', 'stdout', 'Evicted 12 items, tagged jobs\n'],
    ],
    result: { ok: true, info: 'Evicted 12 items, tagged jobs' },
  },
  {
    name: 'CACHEEVICT an unknown tag fails',
    component: CACHEEVICT,
    job: 'nosuch',
    ctx: { evict: (tag) => ({ ok: false, message: `no cache entry tagged ${tag}` }) },
    calls: [
      ['evict', 'nosuch'],
      ['write', 'stderr', 'no cache entry tagged nosuch\n'],
    ],
    result: { ok: false, info: 'no cache entry tagged nosuch' },
  },
  { name: 'QUEUESENTINEL just succeeds', component: QUEUESENTINEL, job: 'true', calls: [], result: { ok: true } },
  {
    name: 'ECHO writes its text',
    component: ECHO,
    job: 'hello  there',
    calls: [['write', 'stdout', 'hello  there\n']],
    result: { ok: true, info: 'hello  there' },
  },
];

test('builtin components: fields → ctx calls → result', async () => {
  for (const row of rows) {
    let fields: Record<string, unknown>;
    if (typeof row.job === 'string') {
      const parsed = parseJob(row.component, row.job);
      assert.ok(parsed.ok, `${row.name}: ${parsed.ok ? '' : parsed.error.message}`);
      fields = parsed.value.fields;
    } else fields = row.job;
    const ctx = createFakeContext(row.ctx);
    const result = await row.component.run(ctx, fields);
    assert.deepEqual(ctx.calls, row.calls, row.name);
    assert.deepEqual(result, row.result, row.name);
  }
});

test('builtin flags match Directord', () => {
  const flags = builtinComponents.map((c) => [c.verb, c.cacheable, c.requiresLock, c.lockName ?? null]);
  assert.deepEqual(flags, [
    ['RUN', true, false, null],
    ['ARG', false, true, 'arg'],
    ['ENV', false, true, 'arg'],
    ['ADD', true, true, 'copy'],
    ['COPY', true, true, 'copy'],
    ['WORKDIR', true, false, null],
    ['CACHEFILE', false, true, 'cachefile'],
    ['CACHEEVICT', false, true, 'cacheevict'],
    ['QUEUESENTINEL', false, true, 'queuesentinel'],
    ['QUERY', false, true, 'query'],
    ['DNF', true, true, 'dnf'],
    ['SERVICE', true, true, 'service'],
    ['WAIT', true, false, null],
    ['ECHO', true, false, null],
    ['QUERY_WAIT', false, false, null],
    ['JOB_WAIT', false, false, null],
    // Directord set these two flags where the client never read them (bug 9.10); here they hold.
    ['REBOOT', false, true, 'reboot'],
    ['FACTER', true, false, null],
    ['POD', true, false, null],
    ['CONTAINER_IMAGE', true, false, null],
    ['CONTAINER_CONFIG_DATA', true, false, null],
    ['SECONTEXT', true, false, null],
  ]);
});

test('every schema property has a title and a description (they are the UI form)', () => {
  for (const c of builtinComponents) {
    for (const [name, prop] of Object.entries(c.args.properties)) {
      assert.equal(typeof prop.title, 'string', `${c.verb}.${name} title`);
      assert.equal(typeof prop.description, 'string', `${c.verb}.${name} description`);
    }
  }
});

test('--exec-help works for every builtin verb and lists every option and positional', () => {
  for (const c of builtinComponents) {
    const help = formatExecHelp(c);
    const lines = help.split('\n');
    assert.ok(lines[0]?.startsWith('usage: directord [--exec-help]'), `${c.verb}: usage line`);
    assert.ok(
      lines.every((line) => line.length <= 80),
      `${c.verb}: lines fit 80 columns`,
    );
    assert.ok(help.includes(`${c.verb}: `), `${c.verb}: description`);
    const options = help.slice(help.indexOf('\noptions:\n'));
    for (const spec of [...argvSpecs(commonArgsFor(c)), ...argvSpecs(c.args)]) {
      if (isPositional(spec)) {
        assert.match(
          help,
          new RegExp(`\\npositional arguments:\\n(?:.*\\n)*  ${spec.metavar.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
          `${c.verb}: positional ${spec.metavar}`,
        );
      } else {
        const entry = spec.kind === 'flag' ? `  ${spec.flag}` : `  ${spec.flag} ${spec.metavar}`;
        assert.ok(options.includes(`\n${entry}`), `${c.verb}: option ${entry.trim()} listed`);
        const usage = help.slice(0, help.indexOf('\n\n'));
        const required = spec.required && spec.schema.default === undefined;
        assert.ok(usage.includes(required ? ` ${spec.flag} ${spec.metavar}` : `[${spec.flag}`), `${c.verb}: ${spec.flag} in usage`);
        if (required) assert.ok(!usage.includes(`[${spec.flag}`), `${c.verb}: required ${spec.flag} is not bracketed`);
      }
    }
    // --exec-help is accepted whatever else the job string holds.
    const parsed = parseJob(c, '--exec-help');
    assert.ok(parsed.ok && parsed.value.common.exec_help, `${c.verb}: --exec-help parses`);
  }
});
