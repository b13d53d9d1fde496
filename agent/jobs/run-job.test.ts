import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { RUN } from '../../components/builtin/RUN.js';
import { topDefaultsOf } from './run-job.js';

test('arguments are used as sent only where every default sits at the top of a plain object schema', () => {
  assert.deepEqual(topDefaultsOf(RUN.args), ['no_block', 'retry']);
  assert.deepEqual(topDefaultsOf(Type.Object({ a: Type.String() })), []);
  assert.equal(topDefaultsOf(Type.Object({ a: Type.Object({ b: Type.Integer({ default: 1 }) }) })), null, 'a nested default');
  assert.equal(topDefaultsOf(Type.Object({ a: Type.Array(Type.String({ default: 'x' })) })), null, 'a default inside an array');
  assert.equal(topDefaultsOf(Type.Union([Type.Object({ a: Type.Integer({ default: 1 }) }), Type.String()])), null, 'not a plain object');
});
