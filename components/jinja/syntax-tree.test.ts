/**
 * The syntax tree of `@huggingface/jinja` (pinned exactly in package.json) as our evaluator
 * (./interpreter.ts) reads it: each node reduced to the fields the interpreter reads, for one
 * template per construct. A parser release that renames a field, changes a node type, or nests a
 * construct differently fails here with the tree it produced, instead of rendering wrongly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, tokenize } from '@huggingface/jinja';

/** Per node type, the fields interpreter.ts reads (operators are tokens: their `value` is read). */
const READS: Readonly<Record<string, readonly string[]>> = {
  Program: ['body'],
  Comment: [],
  If: ['test', 'body', 'alternate'],
  For: ['loopvar', 'iterable', 'body', 'defaultBlock'],
  Set: ['assignee', 'value', 'body'],
  Macro: ['name', 'args', 'body'],
  CallStatement: ['call', 'callerArgs', 'body'],
  FilterStatement: ['filter', 'body'],
  Break: [],
  Continue: [],
  StringLiteral: ['value'],
  IntegerLiteral: ['value'],
  FloatLiteral: ['value'],
  ArrayLiteral: ['value'],
  TupleLiteral: ['value'],
  ObjectLiteral: ['value'],
  Identifier: ['value'],
  MemberExpression: ['object', 'property', 'computed'],
  SliceExpression: ['start', 'stop', 'step'],
  CallExpression: ['callee', 'args'],
  KeywordArgumentExpression: ['key', 'value'],
  SpreadExpression: ['argument'],
  KeywordSpreadExpression: ['argument'],
  UnaryExpression: ['operator', 'argument'],
  BinaryExpression: ['operator', 'left', 'right'],
  FilterExpression: ['operand', 'filter'],
  TestExpression: ['operand', 'test', 'negate'],
  SelectExpression: ['lhs', 'test'],
  Ternary: ['condition', 'trueExpr', 'falseExpr'],
};

type Shape = string | number | boolean | null | undefined | Shape[] | { [key: string]: Shape };

/** The tree reduced to what the interpreter reads; a node type it does not know is marked `unknown`. */
function shape(value: unknown): Shape {
  if (Array.isArray(value)) return value.map(shape);
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [shape(k), shape(v)]);
  if (typeof value !== 'object' || value === null) return value as Shape;
  const node = value as Record<string, unknown>;
  const type = node.type;
  if (typeof type !== 'string') return { notANode: Object.keys(node).join(',') };
  const reads = READS[type];
  if (!reads) return { type, unknown: true };
  const out: { [key: string]: Shape } = { type };
  for (const key of reads) {
    const field = node[key];
    out[key] =
      key === 'operator' && typeof field === 'object' && field !== null ? String((field as { value: unknown }).value) : shape(field);
  }
  return out;
}

const tree = (template: string): Shape => shape(parse(tokenize(template, { lstrip_blocks: false, trim_blocks: false })));
const id = (value: string) => ({ type: 'Identifier', value });
const str = (value: string) => ({ type: 'StringLiteral', value });
const int = (value: number) => ({ type: 'IntegerLiteral', value });

test('output, members, slices, calls, filters and tests', () => {
  assert.deepEqual(tree('a{{ x.y[0] }}'), {
    type: 'Program',
    body: [
      str('a'),
      {
        type: 'MemberExpression',
        object: { type: 'MemberExpression', object: id('x'), property: id('y'), computed: false },
        property: int(0),
        computed: true,
      },
    ],
  });
  assert.deepEqual(tree('{{ s[1:-1:2] }}{{ -x }}'), {
    type: 'Program',
    // A negative number literal is folded into one IntegerLiteral; `-x` stays a UnaryExpression.
    body: [
      {
        type: 'MemberExpression',
        object: id('s'),
        property: { type: 'SliceExpression', start: int(1), stop: int(-1), step: int(2) },
        computed: true,
      },
      { type: 'UnaryExpression', operator: '-', argument: id('x') },
    ],
  });
  assert.deepEqual(tree("{{ f(1, k='v', *xs, **kw) }}"), {
    type: 'Program',
    body: [
      {
        type: 'CallExpression',
        callee: id('f'),
        args: [
          int(1),
          { type: 'KeywordArgumentExpression', key: id('k'), value: str('v') },
          { type: 'SpreadExpression', argument: id('xs') },
          { type: 'KeywordSpreadExpression', argument: id('kw') },
        ],
      },
    ],
  });
  assert.deepEqual(tree('{{ x | default(1) | upper }}'), {
    type: 'Program',
    body: [
      {
        type: 'FilterExpression',
        operand: { type: 'FilterExpression', operand: id('x'), filter: { type: 'CallExpression', callee: id('default'), args: [int(1)] } },
        filter: id('upper'),
      },
    ],
  });
  assert.deepEqual(tree('{{ x is not defined }}'), {
    type: 'Program',
    body: [{ type: 'TestExpression', operand: id('x'), test: id('defined'), negate: true }],
  });
});

test('operators, literals and conditional expressions', () => {
  assert.deepEqual(tree('{{ not a and b or 1.5 }}'), {
    type: 'Program',
    body: [
      {
        type: 'BinaryExpression',
        operator: 'or',
        left: {
          type: 'BinaryExpression',
          operator: 'and',
          left: { type: 'UnaryExpression', operator: 'not', argument: id('a') },
          right: id('b'),
        },
        right: { type: 'FloatLiteral', value: 1.5 },
      },
    ],
  });
  assert.deepEqual(tree("{{ [1, (2, 3), {'k': v}] }}"), {
    type: 'Program',
    body: [
      {
        type: 'ArrayLiteral',
        value: [int(1), { type: 'TupleLiteral', value: [int(2), int(3)] }, { type: 'ObjectLiteral', value: [[str('k'), id('v')]] }],
      },
    ],
  });
  assert.deepEqual(tree('{{ a if c else b }}{{ a if c }}'), {
    type: 'Program',
    body: [
      { type: 'Ternary', condition: id('c'), trueExpr: id('a'), falseExpr: id('b') },
      { type: 'SelectExpression', lhs: id('a'), test: id('c') },
    ],
  });
});

test('statements: if, for with a filter and else, set, macro, call, filter blocks, loop control', () => {
  assert.deepEqual(tree('{% if a %}x{% elif b %}y{% else %}z{% endif %}{# note #}'), {
    type: 'Program',
    body: [
      { type: 'If', test: id('a'), body: [str('x')], alternate: [{ type: 'If', test: id('b'), body: [str('y')], alternate: [str('z')] }] },
      { type: 'Comment' },
    ],
  });
  assert.deepEqual(tree('{% for k, v in items if v %}{{ k }}{% break %}{% continue %}{% else %}none{% endfor %}'), {
    type: 'Program',
    body: [
      {
        type: 'For',
        loopvar: { type: 'TupleLiteral', value: [id('k'), id('v')] },
        iterable: { type: 'SelectExpression', lhs: id('items'), test: id('v') },
        body: [id('k'), { type: 'Break' }, { type: 'Continue' }],
        defaultBlock: [str('none')],
      },
    ],
  });
  assert.deepEqual(tree('{% set ns.x = 1 %}{% set y %}t{% endset %}'), {
    type: 'Program',
    body: [
      {
        type: 'Set',
        assignee: { type: 'MemberExpression', object: id('ns'), property: id('x'), computed: false },
        value: int(1),
        body: [],
      },
      { type: 'Set', assignee: id('y'), value: null, body: [str('t')] },
    ],
  });
  assert.deepEqual(tree("{% macro m(a, b='d') %}{{ a }}{% endmacro %}{% call(x) m(1) %}c{% endcall %}{% filter upper %}f{% endfilter %}"), {
    type: 'Program',
    body: [
      {
        type: 'Macro',
        name: id('m'),
        args: [id('a'), { type: 'KeywordArgumentExpression', key: id('b'), value: str('d') }],
        body: [id('a')],
      },
      { type: 'CallStatement', call: { type: 'CallExpression', callee: id('m'), args: [int(1)] }, callerArgs: [id('x')], body: [str('c')] },
      { type: 'FilterStatement', filter: id('upper'), body: [str('f')] },
    ],
  });
});
