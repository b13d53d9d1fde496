/** The vars editor's checks: YAML errors name the line and column; labels read key=value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkVarsYaml, parseLabel, varsToYaml } from './vars-text.js';

test('vars round-trip through the editor text; an empty text is no vars', () => {
  const vars = { http_port: 8080, users: ['a', 'b'], nested: { x: 'y' } };
  const back = checkVarsYaml(varsToYaml(vars));
  assert.deepEqual(back, { ok: true, vars });
  assert.deepEqual(checkVarsYaml(''), { ok: true, vars: {} });
  assert.equal(varsToYaml({}), '');
});

test('a YAML error names the line and column the yaml library reports', () => {
  const r = checkVarsYaml('a: 1\nb: [1, 2\nc: 3\n');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.line, 3);
    assert.match(r.message, /^line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a \]$/);
  }
  const dup = checkVarsYaml('a: 1\na: 2\n');
  assert.equal(dup.ok, false);
  if (!dup.ok) assert.match(dup.message, /^line 2, column 1: Map keys must be unique/);
  const list = checkVarsYaml('- a\n- b\n');
  assert.deepEqual(list, { ok: false, message: 'expected a mapping of var names to values (name: value, one a line)' });
});

test('labels: key=value, the value may hold =', () => {
  assert.deepEqual(parseLabel('env=prod'), { ok: true, key: 'env', value: 'prod' });
  assert.deepEqual(parseLabel(' url = a=b '), { ok: true, key: 'url', value: 'a=b' });
  assert.equal(parseLabel('env').ok, false);
  assert.equal(parseLabel('bad key=x').ok, false);
});
