/**
 * Issue #13 item 7: a problem on line 15 is reported at line 15, at the column the file shows it
 * (1-based), by the builder and by the loader the CLI and server use; parse and schema errors alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrchestrationDoc } from './orchestration-doc.js';
import { loadOrchestration } from '#components/orchestration.js';

// Lines 1-14: comments, then an entry whose steps start on line 14.
const head = Array.from({ length: 12 }, (_, i) => `# comment ${i + 1}`).join('\n') + '\n- jobs:\n    - RUN: ok\n';

const cases: ReadonlyArray<{ what: string; tail: string; builder: string; loader?: string }> = [
  { what: 'unclosed double quote', tail: '    - RUN: "abc\n    - RUN: c\n', builder: '15:12' },
  { what: 'unclosed single quote', tail: "    - RUN: 'abc\n    - RUN: c\n", builder: '15:12' },
  { what: 'bad indentation', tail: '   - RUN: x\n', builder: '15:1' },
  { what: 'a mapping where the name goes', tail: '  name:\n    a: 1\n', builder: '15:3', loader: '15:3' },
  { what: 'a mapping where targets go', tail: '  targets:\n    a: 1\n', builder: '15:3', loader: '15:3' },
  { what: 'a job string that is a mapping', tail: '    - RUN:\n        a: 1\n', builder: '15:7', loader: '15:7' },
  { what: 'a job string that is a flow mapping', tail: '    - RUN: {a: 1}\n', builder: '15:12', loader: '15:12' },
  { what: 'an empty list item', tail: '    -\n    - RUN: c\n', builder: '15:5', loader: '15:5' },
  { what: 'an unknown entry key', tail: '  foo: 1\n', builder: '15:3', loader: '15:3' },
  { what: 'a mapping where async goes', tail: '  async:\n    a: 1\n', builder: '15:3', loader: '15:3' },
  { what: 'async that is not a boolean', tail: '  async: maybe\n', builder: '15:10', loader: '15:10' },
];

for (const c of cases) {
  test(`${c.what} on line 15 is reported at ${c.builder}`, () => {
    const text = head + c.tail;
    assert.equal(text.split('\n')[14], c.tail.split('\n')[0]);
    const doc = new OrchestrationDoc(text, 'f.yaml');
    const first = doc.errors[0];
    assert.ok(first, 'an error');
    assert.equal(`${first.line}:${first.column}`, c.builder, first.message);
    const loaded = loadOrchestration(text, 'f.yaml');
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    const where = loaded.error.location;
    assert.equal(`${where?.line}:${where?.column}`, c.loader ?? c.builder, loaded.error.message);
  });
}
