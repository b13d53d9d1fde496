/**
 * Directord's "blueprinting" (spec 3.4): Jinja2 with `StrictUndefined` and
 * `keep_trailing_newline`, values printed with Python's `str()`.
 *
 * Parsing uses `@huggingface/jinja`'s lexer and parser (default whitespace handling, no
 * `trim_blocks`/`lstrip_blocks`, as in Jinja2's defaults); evaluation is our own
 * (`jinja/interpreter.ts`) so that filters, Python output and strict undefined behave
 * like Jinja2. Known gaps, from the parser: tests cannot take arguments after `is`
 * (`x is divisibleby(3)`; use `select('divisibleby', 3)` or `x % 3 == 0`), one-item
 * tuple literals `(x,)` and exponent float literals `1e3` do not parse, and
 * `{% include %}`/`{% extends %}`/`{% import %}`/`{% with %}` are not supported
 * (`{% raw %}` is, by a rewrite before parsing). Generator filters (`map`, `select`, …)
 * return lists.
 */
import { parse, tokenize } from '@huggingface/jinja';
import { TemplateError } from './define.js';
import { Interpreter, Scope, type Node } from './jinja/interpreter.js';
import { Namespace, PyFunction, dict, isDict, need, toNumber } from './jinja/values.js';

export { literalEval, type LiteralResult } from './literal.js';
export { pyRepr, pyStr } from './jinja/values.js';

const MARKERS = /\{[{%#]/;
const RAW = /\{%(-?)\s*raw\s*(-?)%\}([\s\S]*?)\{%(-?)\s*endraw\s*(-?)%\}/g;

/** `{% raw %}…{% endraw %}` (the parser lacks it) becomes a string expression with the same whitespace control. */
function rewriteRaw(template: string): string {
  return template.replace(RAW, (_m, before: string, open: string, body: string, close: string, after: string) => {
    let text = open ? body.trimStart() : body;
    if (close) text = text.trimEnd();
    return `{{${before} '${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' ${after}}}`;
  });
}
const CACHE_LIMIT = 256;
const programs = new Map<string, Node>();

function compile(template: string): Node {
  const cached = programs.get(template);
  if (cached) return cached;
  let program: Node;
  try {
    program = parse(tokenize(rewriteRaw(template), { lstrip_blocks: false, trim_blocks: false })) as unknown as Node;
  } catch (error) {
    throw new TemplateError(`template syntax error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (programs.size >= CACHE_LIMIT) programs.delete(programs.keys().next().value as string);
  programs.set(template, program);
  return program;
}

function globals(): Scope {
  const scope = new Scope();
  for (const [name, value] of [
    ['true', true],
    ['false', false],
    ['none', null],
    ['True', true],
    ['False', false],
    ['None', null],
  ] as const) {
    scope.set(name, value);
  }
  scope.set(
    'range',
    new PyFunction('range', (args) => {
      const [a, b, c] = args.map((x) => toNumber(need(x)));
      const [start, stop, step] = b === undefined ? [0, a ?? 0, 1] : [a ?? 0, b, c ?? 1];
      if (step === 0) throw new TemplateError('range() arg 3 must not be zero');
      const out: number[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
      if (out.length > 100000) throw new TemplateError('range too big');
      return out;
    }),
  );
  scope.set(
    'dict',
    new PyFunction('dict', (args, kwargs) => dict([...(isDict(args[0]) ? Object.entries(args[0]) : []), ...Object.entries(kwargs)])),
  );
  scope.set(
    'namespace',
    new PyFunction('namespace', (args, kwargs) => {
      const ns = new Namespace();
      Object.assign(ns.attrs, isDict(args[0]) ? args[0] : {}, kwargs);
      return ns;
    }),
  );
  return scope;
}

/**
 * Renders `template` with `variables` (Directord: the agent's args cache plus job vars).
 * Throws {@link TemplateError} for syntax errors, undefined names
 * (`undefined variable 'foo'`) and runtime errors (`division by zero`, …).
 */
export function renderTemplate(template: string, variables: Readonly<Record<string, unknown>> = {}): string {
  if (!MARKERS.test(template)) return template;
  const program = compile(template);
  const scope = new Scope(globals());
  for (const [key, value] of Object.entries(variables)) scope.set(key, value);
  try {
    const out = new Interpreter().block(program.body as readonly Node[], scope);
    // The parser drops one trailing newline (Jinja2's default); Directord keeps it.
    return template.endsWith('\n') ? out + '\n' : out;
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    if (error instanceof RangeError) throw new TemplateError(`template too deeply nested: ${error.message}`);
    throw new TemplateError(error instanceof Error ? error.message : String(error));
  }
}
