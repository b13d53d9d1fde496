import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ComponentManifestSchema } from '../protocol/agents.js';
import { builtinComponents, RUN, WORKDIR } from './builtin/index.js';
import { defineComponent } from './define.js';
import { formatExecHelp } from './exec-help.js';
import { createRegistry, unknownVerbError } from './registry.js';

const VERBS = [
  'ADD',
  'ARG',
  'CACHEEVICT',
  'CACHEFILE',
  'CONTAINER_CONFIG_DATA',
  'CONTAINER_IMAGE',
  'COPY',
  'DNF',
  'ECHO',
  'ENV',
  'FACTER',
  'JOB_WAIT',
  'POD',
  'QUERY',
  'QUERY_WAIT',
  'QUEUESENTINEL',
  'REBOOT',
  'RUN',
  'SECONTEXT',
  'SERVICE',
  'WAIT',
  'WORKDIR',
] as const;

test('registry: lookup, verbs, manifests', () => {
  const registry = createRegistry(builtinComponents);
  assert.equal(registry.get('RUN'), RUN);
  assert.equal(registry.get('run'), undefined, 'verbs are case-sensitive');
  assert.deepEqual(registry.verbs(), [...VERBS]);
  const manifests = registry.manifests();
  assert.equal(manifests.length, VERBS.length);
  for (const manifest of manifests) assert.ok(Value.Check(ComponentManifestSchema, manifest), manifest.verb);
  const run = manifests.find((m) => m.verb === 'RUN');
  assert.deepEqual(JSON.parse(JSON.stringify(run?.args)), run?.args, 'manifest args are plain JSON');
  assert.deepEqual(Object.keys((run?.args as { properties: object }).properties), ['no_block', 'retry', 'command']);
  assert.equal(run?.builtin, true);
});

test('registry: unknown verb error lists the known verbs', () => {
  const error = unknownVerbError('RUNN', createRegistry(builtinComponents).verbs());
  assert.equal(error.code, 'unknown-verb');
  assert.equal(error.message, `unknown verb "RUNN"; known verbs: ${VERBS.join(', ')}`);
});

test('registry: rejects duplicate verbs and bad schemas', () => {
  assert.throws(() => createRegistry([RUN, RUN]), /duplicate component verb RUN/);
  const clash = defineComponent({
    verb: 'CLASH',
    summary: 'x',
    args: Type.Object({ quiet: Type.Boolean({ 'x-argv': 'flag', 'x-flag': '--skip-cache' }) }),
    cacheable: true,
    requiresLock: false,
    run: async () => ({ ok: true }),
  });
  assert.throws(() => createRegistry([clash]), /duplicate flag --skip-cache/);
  const restFirst = defineComponent({
    verb: 'RESTFIRST',
    summary: 'x',
    args: Type.Object({ a: Type.String({ 'x-argv': 'rest' }), b: Type.String({ 'x-argv': 'positional' }) }),
    cacheable: true,
    requiresLock: false,
    run: async () => ({ ok: true }),
  });
  assert.throws(() => createRegistry([restFirst]), /rest property a must be the last positional/);
});

test('exec-help: argparse layout', () => {
  const help = formatExecHelp(RUN);
  const lines = help.split('\n');
  assert.deepEqual(lines.slice(0, 5), [
    'usage: directord [--exec-help] [--skip-cache] [--run-once] [--timeout TIMEOUT]',
    '                 [--force-lock] [--stdout-arg STDOUT_ARG]',
    '                 [--stderr-arg STDERR_ARG] [--no-block] [--retry RETRY]',
    '                 COMMAND ...',
    '',
  ]);
  assert.ok(
    lines.every((line) => line.length <= 80),
    'wrapped at 80 columns',
  );
  assert.ok(help.includes('\npositional arguments:\n  COMMAND               Shell command'));
  assert.ok(help.includes('\noptions:\n  --exec-help           '));
  assert.ok(
    help.includes('  --retry RETRY         Run the command up to this many times until it exits\n                        0. Default: 1.\n'),
  );
  assert.ok(help.includes('  --stdout-arg STDOUT_ARG\n                        Store'));
  assert.ok(formatExecHelp(WORKDIR).includes('  --chown USER[:GROUP]  User, or user:group'));
});
