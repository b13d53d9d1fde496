/**
 * ARG and ENV (spec 4.4) share everything but the cache key: `ARG KEY VALUE` stores
 * `{KEY: value}` in the target's `args` cache (template variables), `ENV KEY VALUE` in
 * `envs` (environment of later commands). The value is a Python literal when it parses
 * as one (`1`, `['a']`, `{"a": "b"}`), else the text.
 */
import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent, type Component, type ComponentContext } from '../define.js';
import { literalEval, pyRepr, pyStr } from '../template.js';
import { boolField, recordField, tryRender } from './fields.js';

type Kind = 'ARG' | 'ENV';

/**
 * Renders every string (keys included) of a value with the args cache. Directord renders
 * the JSON text of the whole value; rendering string by string gives the same result and
 * does not break when a rendered value contains quotes or backslashes. As in Directord, a
 * value whose template fails is stored unrendered (with a warning on stderr).
 */
function renderValue(ctx: ComponentContext, value: unknown, warnings: string[]): unknown {
  if (typeof value === 'string') {
    const rendered = tryRender(ctx, value);
    if (rendered.ok) return rendered.text;
    warnings.push(rendered.message);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => renderValue(ctx, item, warnings));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[renderValue(ctx, k, warnings) as string] = renderValue(ctx, v, warnings);
    return out;
  }
  return value;
}

export function defineCacheComponent(verb: Kind): Component {
  const cacheType = verb === 'ARG' ? 'args' : 'envs';
  const noun = verb === 'ARG' ? 'argument' : 'environment variable';
  return defineComponent({
    verb,
    summary:
      verb === 'ARG'
        ? "Set a template argument in the target's args cache."
        : "Set an environment variable for the target's later commands.",
    description:
      `Stores KEY = VALUE in the target's ${cacheType} cache. VALUE is read as a Python literal when it is one ` +
      `(1, 1.2, ['a'], {"a": "b"}, True), otherwise as text, and is rendered with the args cache when the job runs.` +
      (verb === 'ENV' ? ' Values are stored as strings.' : ''),
    args: Type.Object({
      extend_args: Type.Boolean({
        'x-argv': 'flag',
        default: false,
        title: 'Extend existing value',
        description: 'Merge mappings recursively and append to lists instead of replacing the key.',
      }),
      key: Type.String({
        'x-argv': 'positional',
        'x-metavar': 'KEY',
        minLength: 1,
        // An environment variable name cannot hold '='.
        ...(verb === 'ENV' ? { pattern: '^[^=]+$', 'x-pattern-hint': "must not contain '='" } : {}),
        title: 'Key',
        description: `Name of the ${noun}.`,
      }),
      value: Type.String({
        'x-argv': 'rest',
        'x-metavar': 'VALUE',
        minLength: 1,
        title: 'Value',
        description: 'A Python literal or text; may use {{ templates }}.',
      }),
    }),
    cacheable: false,
    requiresLock: true,
    lockName: 'arg',
    toJob({ extend_args, key, value }) {
      if (!value.trim()) throw new ArgumentError(`${verb}: ${key} has no VALUE (usage: ${verb} KEY VALUE)`, 'value');
      const literal = literalEval(value);
      return { ...(extend_args ? { extend_args: true } : {}), [cacheType]: { [key]: literal.ok ? literal.value : value } };
    },
    async run(ctx, fields) {
      const warnings: string[] = [];
      const rendered = renderValue(ctx, recordField(fields, cacheType), warnings) as Record<string, unknown>;
      for (const warning of warnings) ctx.write('stderr', `value left unrendered: ${warning}\n`);
      const extend = boolField(fields, 'extend_args');
      if (Object.keys(rendered).length === 0) {
        ctx.write('stdout', `Nothing added to cache. ${cacheType} had no value\n`);
      } else {
        if (cacheType === 'args') ctx.cache.setArgs(rendered, { extend });
        else ctx.cache.setEnvs(Object.fromEntries(Object.entries(rendered).map(([k, v]) => [k, pyStr(v)])), { extend });
        ctx.write('stdout', `${cacheType} added to cache\n`);
      }
      return { ok: true, info: `type:${cacheType}, value:${pyRepr(rendered)}` };
    },
  });
}
