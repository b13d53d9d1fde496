/** Jinja2's binary operators with Python semantics (`/` is float division, `%` formats strings, …). */
import { TemplateError } from '../define.js';
import { percentFormat } from './methods.js';
import { PyFloat, isFloat, isInt, isNumber, mkNumber, need, pyCompare, pyContains, pyEquals, pyStr, toNumber, typeName } from './values.js';

function floatOp(a: unknown, b: unknown): boolean {
  return isFloat(a) || isFloat(b);
}

export function binary(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(a, b, op) < 0;
    case '>':
      return pyCompare(a, b, op) > 0;
    case '<=':
      return pyCompare(a, b, op) <= 0;
    case '>=':
      return pyCompare(a, b, op) >= 0;
    case 'in':
      return pyContains(b, a);
    case 'not in':
      return !pyContains(b, a);
    case '~':
      return pyStr(a) + pyStr(b);
  }
  need(a);
  need(b);
  if (isNumber(a) && isNumber(b)) {
    const x = toNumber(a);
    const y = toNumber(b);
    if ((op === '/' || op === '//' || op === '%') && y === 0) throw new TemplateError(`division by zero`);
    switch (op) {
      case '+':
        return mkNumber(x + y, floatOp(a, b));
      case '-':
        return mkNumber(x - y, floatOp(a, b));
      case '*':
        return mkNumber(x * y, floatOp(a, b));
      case '/':
        return new PyFloat(x / y);
      case '//':
        return mkNumber(Math.floor(x / y), floatOp(a, b));
      case '%':
        return mkNumber(((x % y) + y) % y, floatOp(a, b));
      case '**':
        return mkNumber(x ** y, floatOp(a, b) || y < 0);
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '*' && (typeof a === 'string' || Array.isArray(a)) && isInt(b)) {
    const times = Math.max(0, toNumber(b));
    return typeof a === 'string' ? a.repeat(times) : Array.from({ length: times }, () => a).flat();
  }
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}
