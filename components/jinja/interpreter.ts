/**
 * A Jinja2 evaluator over the AST of `@huggingface/jinja`'s parser. The library's own
 * runtime renders JS-style (`true`, JSON dicts), has no StrictUndefined and no
 * user-extensible filters, so only its lexer and parser are used; evaluation follows
 * Jinja2 on Python with `undefined=StrictUndefined`.
 */
import { TemplateError } from '../define.js';
import { FILTERS, TESTS } from './filters.js';
import { getAttr, getItem } from './methods.js';
import { binary } from './operators.js';
import {
  Namespace,
  PyFloat,
  PyFunction,
  Undefined,
  dict,
  isDict,
  isFloat,
  isNumber,
  iterate,
  mkNumber,
  need,
  pyStr,
  toNumber,
  truthy,
  tuple,
  typeName,
} from './values.js';

/** The parts of the parser's AST nodes this evaluator reads. */
export type Node = { readonly type: string } & Readonly<Record<string, unknown>>;
type Nodes = readonly Node[];

class BreakSignal {}
class ContinueSignal {}

export class Scope {
  private readonly vars = new Map<string, unknown>();
  constructor(private readonly parent?: Scope) {}
  has(name: string): boolean {
    return this.vars.has(name) || (this.parent?.has(name) ?? false);
  }
  get(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    return this.parent ? this.parent.get(name) : new Undefined(name);
  }
  set(name: string, value: unknown): void {
    this.vars.set(name, value);
  }
}

const n = (node: Node, key: string): Node => node[key] as Node;
const ns = (node: Node, key: string): Nodes => (node[key] ?? []) as Nodes;
const s = (node: Node, key: string): string => node[key] as string;

/** `a.b[0]` style path of an expression, for undefined-variable messages. */
function pathOf(node: Node): string {
  if (node.type === 'Identifier') return s(node, 'value');
  if (node.type === 'MemberExpression') {
    const prop = n(node, 'property');
    const base = pathOf(n(node, 'object'));
    if (!node.computed) return `${base}.${String(prop.value)}`;
    return `${base}[${prop.type === 'StringLiteral' ? `'${s(prop, 'value')}'` : prop.type === 'IntegerLiteral' ? String(prop.value) : '…'}]`;
  }
  return '…';
}

export class Interpreter {
  /** Renders a list of statements to text. */
  block(nodes: Nodes, scope: Scope): string {
    let out = '';
    for (const node of nodes) out += this.statement(node, scope);
    return out;
  }

  private statement(node: Node, scope: Scope): string {
    switch (node.type) {
      case 'Comment':
        return '';
      case 'If':
        return this.block(truthy(this.eval(n(node, 'test'), scope)) ? ns(node, 'body') : ns(node, 'alternate'), scope);
      case 'For':
        return this.forLoop(node, scope);
      case 'Set':
        this.assign(n(node, 'assignee'), node.value ? this.eval(n(node, 'value'), scope) : this.block(ns(node, 'body'), scope), scope);
        return '';
      case 'Macro':
        scope.set(s(n(node, 'name'), 'value'), this.macro(s(n(node, 'name'), 'value'), ns(node, 'args'), ns(node, 'body'), scope));
        return '';
      case 'CallStatement': {
        const call = n(node, 'call');
        const caller = this.macro('caller', ns(node, 'callerArgs'), ns(node, 'body'), scope);
        const [args, kwargs] = this.args(ns(call, 'args'), scope);
        return pyStr(this.callValue(this.eval(n(call, 'callee'), scope), args, { ...kwargs, caller }));
      }
      case 'FilterStatement':
        return pyStr(this.filter(this.block(ns(node, 'body'), scope), n(node, 'filter'), scope));
      case 'Break':
        throw new BreakSignal();
      case 'Continue':
        throw new ContinueSignal();
      default:
        return pyStr(this.eval(node, scope));
    }
  }

  private assign(target: Node, value: unknown, scope: Scope): void {
    if (target.type === 'Identifier') return scope.set(s(target, 'value'), value);
    if (target.type === 'TupleLiteral') {
      const names = ns(target, 'value');
      const items = iterate(value);
      if (items.length !== names.length) throw new TemplateError(`cannot unpack ${items.length} values into ${names.length} names`);
      names.forEach((name, i) => this.assign(name, items[i], scope));
      return;
    }
    if (target.type === 'MemberExpression') {
      const obj = this.eval(n(target, 'object'), scope);
      if (!(obj instanceof Namespace)) throw new TemplateError(`cannot assign attribute on non-namespace object`);
      obj.attrs[String(n(target, 'property').value)] = value;
      return;
    }
    throw new TemplateError(`cannot assign to ${target.type}`);
  }

  private forLoop(node: Node, outer: Scope): string {
    let iterable = n(node, 'iterable');
    let condition: Node | null = null;
    if (iterable.type === 'SelectExpression') {
      condition = n(iterable, 'test');
      iterable = n(iterable, 'lhs');
    }
    const scope = new Scope(outer);
    let items = iterate(this.eval(iterable, outer));
    if (condition) {
      const cond = condition;
      items = items.filter((item) => {
        const probe = new Scope(outer);
        this.assign(n(node, 'loopvar'), item, probe);
        return truthy(this.eval(cond, probe));
      });
    }
    let out = '';
    for (let i = 0; i < items.length; i++) {
      const loop = dict(
        Object.entries({
          index: i + 1,
          index0: i,
          revindex: items.length - i,
          revindex0: items.length - i - 1,
          first: i === 0,
          last: i === items.length - 1,
          length: items.length,
          depth: 1,
          depth0: 0,
          previtem: i > 0 ? items[i - 1] : new Undefined('loop.previtem'),
          nextitem: i < items.length - 1 ? items[i + 1] : new Undefined('loop.nextitem'),
          cycle: new PyFunction('cycle', (args) => args[i % Math.max(args.length, 1)]),
        }),
      );
      scope.set('loop', loop);
      this.assign(n(node, 'loopvar'), items[i], scope);
      try {
        out += this.block(ns(node, 'body'), scope);
      } catch (signal) {
        if (signal instanceof BreakSignal) break;
        if (!(signal instanceof ContinueSignal)) throw signal;
      }
    }
    return items.length === 0 ? this.block(ns(node, 'defaultBlock'), outer) : out;
  }

  private macro(name: string, params: Nodes, body: Nodes, defScope: Scope): PyFunction {
    return new PyFunction(name, (args, kwargs) => {
      const scope = new Scope(defScope);
      const rest = { ...kwargs };
      params.forEach((param, i) => {
        const key = param.type === 'Identifier' ? s(param, 'value') : s(n(param, 'key'), 'value');
        let value: unknown = i < args.length ? args[i] : rest[key];
        if (i >= args.length && key in rest) delete rest[key];
        if (value === undefined) value = param.type === 'Identifier' ? new Undefined(key) : this.eval(n(param, 'value'), scope);
        scope.set(key, value);
      });
      scope.set('varargs', args.slice(params.length));
      scope.set('kwargs', dict(Object.entries(rest).filter(([k]) => k !== 'caller')));
      if ('caller' in kwargs) scope.set('caller', kwargs.caller);
      return this.block(body, scope);
    });
  }

  private args(nodes: Nodes, scope: Scope): [unknown[], Record<string, unknown>] {
    const args: unknown[] = [];
    const kwargs: Record<string, unknown> = {};
    for (const node of nodes) {
      if (node.type === 'KeywordArgumentExpression') kwargs[s(n(node, 'key'), 'value')] = this.eval(n(node, 'value'), scope);
      else if (node.type === 'SpreadExpression') args.push(...iterate(this.eval(n(node, 'argument'), scope)));
      else if (node.type === 'KeywordSpreadExpression') {
        const value = need(this.eval(n(node, 'argument'), scope));
        if (!isDict(value)) throw new TemplateError(`argument after ** must be a mapping, not ${typeName(value)}`);
        Object.assign(kwargs, value);
      } else args.push(this.eval(node, scope));
    }
    return [args, kwargs];
  }

  private callValue(fn: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
    need(fn);
    if (!(fn instanceof PyFunction)) throw new TemplateError(`'${typeName(fn)}' object is not callable`);
    return fn.call(args, kwargs);
  }

  private filter(value: unknown, filterNode: Node, scope: Scope): unknown {
    const call = filterNode.type === 'CallExpression';
    const name = s(call ? n(filterNode, 'callee') : filterNode, 'value');
    const filter = FILTERS[name];
    if (!filter) throw new TemplateError(`no filter named '${name}'`);
    const [args, kwargs] = call ? this.args(ns(filterNode, 'args'), scope) : [[], {}];
    return filter(value, args, kwargs);
  }

  private member(node: Node, scope: Scope): unknown {
    const obj = need(this.eval(n(node, 'object'), scope));
    const prop = n(node, 'property');
    const path = pathOf(node);
    if (!node.computed) return prop.type === 'IntegerLiteral' ? getItem(obj, prop.value, path) : getAttr(obj, s(prop, 'value'), path);
    if (prop.type !== 'SliceExpression') return getItem(obj, this.eval(prop, scope), path);
    const bound = (key: string): number | undefined => {
      const v = prop[key] ? this.eval(n(prop, key), scope) : null;
      return v === null ? undefined : toNumber(v);
    };
    const items = typeof obj === 'string' ? Array.from(obj) : iterate(obj);
    const [start, stop, step = 1] = [bound('start'), bound('stop'), bound('step')];
    if (step === 0) throw new TemplateError('slice step cannot be zero');
    const len = items.length;
    const clamp = (v: number | undefined, dflt: number): number =>
      v === undefined ? dflt : v < 0 ? Math.max(v + len, step < 0 ? -1 : 0) : Math.min(v, step < 0 ? len - 1 : len);
    const out: unknown[] = [];
    for (let i = clamp(start, step < 0 ? len - 1 : 0), end = clamp(stop, step < 0 ? -1 : len); step > 0 ? i < end : i > end; i += step)
      out.push(items[i]);
    return typeof obj === 'string' ? out.join('') : out;
  }

  eval(node: Node, scope: Scope): unknown {
    switch (node.type) {
      case 'StringLiteral':
        return node.value;
      case 'IntegerLiteral':
        return node.value;
      case 'FloatLiteral':
        return new PyFloat(node.value as number);
      case 'ArrayLiteral':
        return ns(node, 'value').map((x) => this.eval(x, scope));
      case 'TupleLiteral':
        return tuple(ns(node, 'value').map((x) => this.eval(x, scope)));
      case 'ObjectLiteral': {
        const entries = [...(node.value as Map<Node, Node>).entries()];
        return dict(entries.map(([k, v]) => [pyStr(this.eval(k, scope)), this.eval(v, scope)] as const));
      }
      case 'Identifier':
        return scope.get(s(node, 'value'));
      case 'MemberExpression':
        return this.member(node, scope);
      case 'CallExpression': {
        const [args, kwargs] = this.args(ns(node, 'args'), scope);
        return this.callValue(this.eval(n(node, 'callee'), scope), args, kwargs);
      }
      case 'UnaryExpression': {
        const op = String(n(node, 'operator').value);
        const value = this.eval(n(node, 'argument'), scope);
        if (op === 'not') return !truthy(value);
        if (!isNumber(need(value))) throw new TemplateError(`bad operand type for unary ${op}: '${typeName(value)}'`);
        return op === '-' ? mkNumber(-toNumber(value), isFloat(value)) : value;
      }
      case 'BinaryExpression': {
        const op = String(n(node, 'operator').value);
        const left = this.eval(n(node, 'left'), scope);
        if (op === 'and') return truthy(left) ? this.eval(n(node, 'right'), scope) : left;
        if (op === 'or') return truthy(left) ? left : this.eval(n(node, 'right'), scope);
        return binary(op, left, this.eval(n(node, 'right'), scope));
      }
      case 'FilterExpression':
        return this.filter(this.eval(n(node, 'operand'), scope), n(node, 'filter'), scope);
      case 'TestExpression': {
        const name = s(n(node, 'test'), 'value');
        const test = TESTS[name];
        if (!test) throw new TemplateError(`no test named '${name}'`);
        return test(this.eval(n(node, 'operand'), scope), []) !== Boolean(node.negate);
      }
      case 'SelectExpression':
        return truthy(this.eval(n(node, 'test'), scope))
          ? this.eval(n(node, 'lhs'), scope)
          : new Undefined('if-expression', 'the inline if-expression evaluated to false and no else section was defined', true);
      case 'Ternary':
        return this.eval(truthy(this.eval(n(node, 'condition'), scope)) ? n(node, 'trueExpr') : n(node, 'falseExpr'), scope);
      default:
        throw new TemplateError(`unsupported template syntax: ${node.type}`);
    }
  }
}
