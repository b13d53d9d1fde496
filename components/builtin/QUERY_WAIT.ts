import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { pyRepr } from '../template.js';
import { intField, stringArrayField, stringField } from './fields.js';

/** How often the args cache is checked (Directord spun without sleeping while args was empty: bug 9.10). */
export const QUERY_POLL_MS = 250;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function holds(value: unknown, item: string): boolean {
  if (isRecord(value)) return Object.hasOwn(value, item);
  return Array.isArray(value) && value.includes(item);
}

/**
 * QUERY_WAIT (spec 4.15): wait until `args.query` (filled by QUERY, spec 4.10) holds `item`
 * for every listed identity, or for any identity when none is listed. The cache is checked
 * every 250 ms, never in a busy loop, until `--query-timeout` seconds have passed; the job's
 * own `--timeout` and cancellation stop it earlier.
 */
export const QUERY_WAIT = defineComponent({
  verb: 'QUERY_WAIT',
  summary: 'Wait until a queried item is in the args cache.',
  description:
    "Waits until the target's query cache (args.query, filled by QUERY) holds ITEM for every --identity, or for any " +
    'target when no identity is given. --identity takes every value up to the next option, so end the list with -- ' +
    'or another option before ITEM.',
  args: Type.Object({
    item: Type.String({
      'x-argv': 'positional',
      'x-metavar': 'ITEM',
      minLength: 1,
      title: 'Item',
      description: 'Name of the queried argument to wait for (a key of args.query.<identity>).',
    }),
    query_timeout: Type.Integer({
      'x-argv': 'option',
      'x-metavar': 'SECONDS',
      minimum: 1,
      default: 600,
      title: 'Wait at most (seconds)',
      description: 'Fail when the item has not appeared after this many seconds.',
    }),
    identity: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        'x-argv': 'option',
        'x-metavar': 'IDENTITY',
        minItems: 1,
        title: 'Identities',
        description: 'Targets whose query results must all hold the item; any target when empty.',
      }),
    ),
  }),
  cacheable: false,
  requiresLock: false,
  async run(ctx, fields) {
    const item = stringField(fields, 'item');
    const timeout = intField(fields, 'query_timeout', 600);
    const identities = stringArrayField(fields, 'identity');
    const timeoutMs = timeout * 1000;
    // Elapsed time is the larger of the clock and the time slept, so a fake clock-less sleep still ends.
    const started = Date.now();
    let slept = 0;
    let missing: string[] = identities;
    for (;;) {
      const query = ctx.cache.getArgs().query;
      const results = isRecord(query) ? query : {};
      if (identities.length > 0) {
        missing = identities.filter((identity) => !(isRecord(results[identity]) && holds(results[identity], item)));
        if (missing.length === 0) {
          ctx.write('stdout', 'Item found in all identities\n');
          return { ok: true, info: `Item ${item} found in the query cache for identities ${pyRepr(identities)}` };
        }
      } else if (Object.values(results).some((value) => holds(value, item))) {
        ctx.write('stdout', 'Item found\n');
        return { ok: true, info: `Item ${item} found in the query cache` };
      }
      const elapsed = Math.max(Date.now() - started, slept);
      if (elapsed >= timeoutMs) break;
      const pause = Math.min(QUERY_POLL_MS, timeoutMs - elapsed);
      await ctx.sleep(pause);
      slept += pause;
    }
    ctx.write('stderr', `Timeout after ${timeout} seconds\n`);
    return {
      ok: false,
      info:
        identities.length > 0
          ? `Item ${item} was not found in the query cache for the identities ${pyRepr(missing)} within ${timeout} seconds`
          : `Item ${item} was not found in the query cache within ${timeout} seconds`,
    };
  },
});
