import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './define.js';
import { literalEval, renderTemplate } from './template.js';

const vars = {
  num: 42,
  query: { node1: { qarg: 'value-from-vm' }, node2: { qarg: 'other' } },
  list: ['test'],
  d: { a: 'b' },
  flag: true,
  nothing: null,
  users: [
    { name: 'ann', age: 30, admin: true },
    { name: 'bob', age: 20, admin: false },
    { name: 'cy', age: 40 },
  ],
  nums: [3, 1, 2, 4],
  words: 'hello world',
  f: 1.5,
  wrkdir: '/tmp/test',
  empty: [],
};

test('renderTemplate: output, filters and Python semantics', () => {
  const cases: [string, string][] = [
    ['echo {{ wrkdir }} | grep /tmp/test', 'echo /tmp/test | grep /tmp/test'],
    ['echo "{{ query }}"', `echo "{'node1': {'qarg': 'value-from-vm'}, 'node2': {'qarg': 'other'}}"`],
    ['{{ list }}', "['test']"],
    ['{{ d }}', "{'a': 'b'}"],
    ['{{ flag }} {{ nothing }} {{ not flag }}', 'True None False'],
    ['{{ num + 1 }}', '43'],
    ['{{ num / 2 }} {{ num // 5 }} {{ num % 5 }} {{ 2 ** 10 }} {{ f * 2 }} {{ -7 // 2 }}', '21.0 8 2 1024 3.0 -4'],
    ['{{ "%s-%03d" % ("a", 7) }} {{ "{}/{}".format(1, "x") }}', 'a-007 1/x'],
    ['{{ query.values() | map(attribute="qarg") | list }}', "['value-from-vm', 'other']"],
    ['{{ query.values() | map(attribute="qarg") | first }}', 'value-from-vm'],
    ['{{ query.values() | map(attribute="qarg") | last }}', 'other'],
    ['{{ query.values() | map(attribute="missing") | select("defined") | list }}', '[]'],
    ['{{ users[:2] | selectattr("admin") | map(attribute="name") | join(",") }}', 'ann'],
    ['{{ users | selectattr("admin", "defined") | map(attribute="name") | join(",") }}', 'ann,bob'],
    ['{{ users[:2] | rejectattr("admin") | map(attribute="name") | join(",") }}', 'bob'],
    ['{{ nums | select("odd") | list }} {{ nums | reject("odd") | list }} {{ nums | select("gt", 2) | list }}', '[3, 1] [2, 4] [3, 4]'],
    [
      '{{ nums | sort | list }} {{ nums | sort(reverse=true) | first }} {{ users | sort(attribute="age") | map(attribute="name") | join }}',
      '[1, 2, 3, 4] 4 bobanncy',
    ],
    ['{{ nums | length }} {{ words | length }} {{ d | length }} {{ nums | count }}', '4 11 1 4'],
    ['{{ nums | sum }} {{ nums | max }} {{ nums | min }} {{ nums | map("string") | join("-") }}', '10 4 1 3-1-2-4'],
    ['{{ missing | default("dflt") }} {{ "" | default("x", true) }} {{ num | default(1) }}', 'dflt x 42'],
    ['{{ d | tojson }} {{ {"b": 1, "a": "<"} | tojson }}', '{"a": "b"} {"a": "\\u003c", "b": 1}'],
    ['{{ words | upper }} {{ "ABC" | lower }} {{ words | title }} {{ words | capitalize }}', 'HELLO WORLD abc Hello World Hello world'],
    ['{{ words.split() }} {{ words.upper() }} {{ "  x " | trim }}|', "['hello', 'world'] HELLO WORLD x|"],
    ['{% for k, v in query.items() %}{{ k }}={{ v.qarg }};{% endfor %}', 'node1=value-from-vm;node2=other;'],
    ['{% for v in query.values() %}{{ v.qarg }}{% if not loop.last %},{% endif %}{% endfor %}', 'value-from-vm,other'],
    ['{% for k in query %}{{ loop.index }}{{ k }} {% endfor %}', '1node1 2node2 '],
    ['{% for x in empty %}x{% else %}none{% endfor %}', 'none'],
    ['{% for x in nums if x > 2 %}{{ x }}{% endfor %}', '34'],
    ['{% set ns = namespace(total=0) %}{% for x in nums %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}', '10'],
    ['{% macro hi(name, greet="hi") %}{{ greet }} {{ name }}{% endmacro %}{{ hi("ann") }}/{{ hi("bob", greet="yo") }}', 'hi ann/yo bob'],
    ['{{ d.items() | list }} {{ (1, 2) }}', "[('a', 'b')] (1, 2)"],
    ['{{ d["a"] }} {{ list[0] }} {{ list[-1] }} {{ nums[1:3] }} {{ words[::-1] }}', 'b test test [1, 2] dlrow olleh'],
    ['{{ "yes" if flag else "no" }} {{ missing is defined }} {{ missing is not defined }} {{ nothing is none }}', 'yes False True True'],
    ['{{ "a" in list }} {{ "test" in list }} {{ "a" in d }} {{ "ell" in words }}', 'False True True True'],
    ['{{ d | dictsort }} {{ nums | unique | list }} {{ [1, [2]] | tojson }}', "[('a', 'b')] [3, 1, 2, 4] [1, [2]]"],
    ['{{ "3" | int + 1 }} {{ "x" | int }} {{ "2.5" | float }} {{ 2.567 | round(2) }} {{ 7 | float }}', '4 0 2.5 2.57 7.0'],
    ['{{ "a\'b" }} {{ ["a\'b", "é"] }}', `a'b ["a'b", 'é']`],
    ["docker ps --format '{% raw %}{{ .Names }}{% endraw %}' {{ num }}", "docker ps --format '{{ .Names }}' 42"],
    ["{% raw -%}  a\\'b  {%- endraw %}|{{ 'x' if false }}|", "a\\'b||"],
    ['{# comment #}{%- if true -%}  trimmed  {%- endif -%}', 'trimmed'],
    ['{{ 0.1 + 0.2 }} {{ 100000000000000000000 * 1.0 }} {{ 3.0 }}', '0.30000000000000004 1e+20 3.0'],
    ['{% for age, group in users | groupby("age") %}{{ age }}:{{ group | length }} {% endfor %}', '20:1 30:1 40:1 '],
  ];
  for (const [template, expected] of cases) assert.equal(renderTemplate(template, vars), expected, template);
});

test('renderTemplate keeps the trailing newline and text without markers', () => {
  assert.equal(renderTemplate('{{ num }}\n', vars), '42\n');
  assert.equal(renderTemplate('a\n\n', vars), 'a\n\n');
  assert.equal(renderTemplate('line1\n{{ num }}\nline3\n', vars), 'line1\n42\nline3\n');
  assert.equal(renderTemplate('${HOME} $((1+2)) {x}', vars), '${HOME} $((1+2)) {x}');
});

test('renderTemplate is strict about undefined names', () => {
  const cases: [string, RegExp][] = [
    ['echo {{ foo }}', /undefined variable 'foo'/],
    ['{{ d.missing }}', /undefined variable 'd\.missing'.*has no attribute 'missing'/],
    ['{{ foo.bar }}', /undefined variable 'foo'/],
    ['{% if foo %}x{% endif %}', /undefined variable 'foo'/],
    ['{% for x in foo %}{% endfor %}', /undefined variable 'foo'/],
    ['{{ foo + 1 }}', /undefined variable 'foo'/],
    ['{{ foo | upper }}', /undefined variable 'foo'/],
    ['{{ empty | first }}', /No first item/],
    ['{{ users | selectattr("admin") | list }}', /has no attribute 'admin'/],
    ['{{ list[5] }}', /out of range/],
    ['{{ 1 / 0 }}', /division by zero/],
    ['{{ "a" + 1 }}', /unsupported operand/],
    ['{{ x | nosuchfilter }}', /no filter named 'nosuchfilter'/],
    ['{% if %}', /syntax error/],
  ];
  for (const [template, message] of cases) {
    assert.throws(
      () => renderTemplate(template, vars),
      (error: unknown) => error instanceof TemplateError && message.test(error.message),
      template,
    );
  }
});

test('literalEval: the ast.literal_eval subset ARG uses', () => {
  const cases: [string, unknown][] = [
    ['1', 1],
    ['-3', -3],
    ['1.2', 1.2],
    ['1e3', 1000],
    ['0x1f', 31],
    ["'test'", 'test'],
    ['"a" \'b\'', 'ab'],
    ["['test']", ['test']],
    ['{"a": "b"}', { a: 'b' }],
    ["{'a': [1, 2, {'b': None}], 'c': True}", { a: [1, 2, { b: null }], c: true }],
    ['(1, 2)', [1, 2]],
    ['(1,)', [1]],
    ['(1)', 1],
    ['()', []],
    ['[1, 2,]', [1, 2]],
    ['False', false],
    ["'\\n\\x41\\u00e9'", '\nAé'],
    ["r'\\n'", '\\n'],
    ['"""multi\nline"""', 'multi\nline'],
    ['  7  ', 7],
    ['{1: "a"}', { '1': 'a' }],
  ];
  for (const [text, value] of cases) assert.deepEqual(literalEval(text), { ok: true, value }, text);
  for (const text of [
    'argument',
    'hello world',
    '1 + 2',
    'foo()',
    "'unterminated",
    '[1, 2',
    '12345678901234567890',
    '007',
    'True False',
    '',
    'environment',
  ]) {
    assert.deepEqual(literalEval(text), { ok: false }, text);
  }
});
