import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectSha3_224, pythonFloatRepr, pythonJsonDumps, sha3_224Hex } from './sha.js';

test('spec 1.4 SHA vectors', () => {
  const cases: [unknown, string][] = [
    [
      { verb: 'RUN', no_block: false, retry: 1, command: "long '{{ jinja }}' quoted string string", timeout: 600, run_once: false },
      '9bbc435b49b5104da33093b22402c75a263a2d1665bcfc6faa29249e',
    ],
    [
      { verb: 'RUN', no_block: false, retry: 1, command: 'command1', timeout: 600, run_once: false },
      'e4b6223aa7e089ef41c972df012ea2b7ae309019cf00a35b4b00cf64',
    ],
    [
      { targets: ['test1', 'test2', 'test3'], jobs: [{ RUN: 'command1' }, { RUN: 'command2' }, { RUN: 'command3' }] },
      '5bc535e8fa927e4a4ab9ca188f8b560935b32a00dacc4f9e76b05d08',
    ],
  ];
  for (const [obj, sha] of cases) assert.equal(objectSha3_224(obj), sha);
});

test('pythonJsonDumps matches Python json.dumps defaults', () => {
  const cases: [unknown, string][] = [
    [{ a: 1, b: [true, false, null] }, '{"a": 1, "b": [true, false, null]}'],
    [{ z: 1, a: 2 }, '{"z": 1, "a": 2}'],
    ['é', '"\\u00e9"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['tab\there "q" \\ \u0001 \u007f', '"tab\\there \\"q\\" \\\\ \\u0001 \\u007f"'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [1.5, '1.5'],
    [0.00001, '1e-05'],
    [1e21, '1000000000000000000000'],
    [[], '[]'],
    [{}, '{}'],
    [{ u: undefined, k: 'v' }, '{"k": "v"}'],
  ];
  for (const [value, expected] of cases) assert.equal(pythonJsonDumps(value), expected, String(expected));
  assert.equal(pythonJsonDumps({ b: 1, a: 2 }, { sortKeys: true }), '{"a": 2, "b": 1}');
});

test('pythonFloatRepr', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e16, '1e+16'],
    [123456789.125, '123456789.125'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [-0, '-0.0'],
  ];
  for (const [value, expected] of cases) assert.equal(pythonFloatRepr(value), expected);
});

test('sha3_224Hex of text and bytes', () => {
  assert.equal(sha3_224Hex(''), '6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7');
  assert.equal(sha3_224Hex(new Uint8Array([])), '6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7');
});
