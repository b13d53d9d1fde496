import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabulate } from './table.js';
import { formatTimedelta, pyRepr, renderReport, dictLines } from './keyvalue.js';
import { renderFingerprint, truncateExec } from './fingerprint.js';

test('tabulate: simple style, heading + 2 minimum width, right-stripped lines', () => {
  assert.equal(tabulate(['KEY', 'VALUE'], [['SUCCESS', true]]), ['KEY      VALUE', '-------  -------', 'SUCCESS  True'].join('\n'));
});

test('tabulate: multi-line cells span lines and empty cells stay blank', () => {
  assert.equal(
    tabulate(
      ['KEY', 'VALUE'],
      [
        ['SUCCESS', 'node1\nnode2'],
        ['FAILED', ''],
        ['X', null],
      ],
    ),
    ['KEY      VALUE', '-------  -------', 'SUCCESS  node1', '         node2', 'FAILED', 'X'].join('\n'),
  );
});

test('tabulate: cells are stripped like tabulate does', () => {
  assert.equal(tabulate(['A'], [['  x  ']]), ['A', '---', 'x'].join('\n'));
});

test('renderReport: Total Items and float totals with 2 decimals', () => {
  assert.equal(
    renderReport(['ID', 'EXPIRY'], [['a', '1.00']], [{ heading: 'EXPIRY', value: 1.005, float: true }]),
    'ID    EXPIRY\n----  --------\na     1.00\n\nTotal Items: 1\nTotal EXPIRY: 1.00\n',
  );
});

test('finger-print table (spec 2.4 example, with the 27 + ... truncation)', () => {
  const parentSha = 'bb2a9ba4e1d755a25cf9d8ec0eb576ed38f32f88b66894afc643e5f4';
  const jobSha = 'b4d2f5fa9c0857333fb96175f9e27a272abab974a09522973786516e';
  const text = renderFingerprint([
    { parent: 'first parent', verb: 'RUN', exec: 'echo one', job: 'job one' },
    { parent: 'first parent', verb: 'RUN', exec: '--skip-cache echo a very long command indeed', job: jobSha },
    { parent: parentSha, verb: 'RUN', exec: 'echo {{ foo }}', job: jobSha },
  ]);
  assert.equal(
    text,
    [
      'count    parent                                                    verb    exec                            job',
      '-------  --------------------------------------------------------  ------  ------------------------------  --------------------------------------------------------',
      '0        first parent                                              RUN     echo one                        job one',
      `1        first parent                                              RUN     --skip-cache echo a very lo...  ${jobSha}`,
      `2        ${parentSha}  RUN     echo {{ foo }}                  ${jobSha}`,
    ].join('\n'),
  );
});

test('truncateExec: 29 characters stay, 30 are cut to 27 + ...', () => {
  assert.equal(truncateExec('a'.repeat(29)), 'a'.repeat(29));
  assert.equal(truncateExec('a'.repeat(30)), 'a'.repeat(27) + '...');
});

test('formatTimedelta matches Python str(timedelta)', () => {
  assert.equal(formatTimedelta(4005.97), '1:06:45.970000');
  assert.equal(formatTimedelta(0.090804), '0:00:00.090804');
  assert.equal(formatTimedelta(5), '0:00:05');
  assert.equal(formatTimedelta(86400 + 1), '1 day, 0:00:01');
  assert.equal(formatTimedelta(2 * 86400), '2 days, 0:00:00');
});

test('pyRepr and dictLines follow Python', () => {
  assert.equal(pyRepr({ a: ['x', 1, true, null] }), "{'a': ['x', 1, True, None]}");
  assert.equal(pyRepr("it's"), '"it\'s"');
  assert.equal(
    dictLines([
      ['verb', 'RUN'],
      ['no_block', false],
      ['retry', 1],
      ['x', []],
      ['y', 0],
    ]),
    'verb = RUN\nretry = 1',
  );
});
