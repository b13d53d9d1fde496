import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { boolField, stringArrayField, stringField } from './fields.js';

/** How often a waiting QUERY checks its args cache for the other nodes' answers. */
export const QUERY_WAIT_POLL_MS = 100;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The nodes whose answer for `name` is not yet in `args.query`. */
export function missingAnswers(args: Readonly<Record<string, unknown>>, name: string, nodes: readonly string[]): string[] {
  const query = isRecord(args.query) ? args.query : {};
  return nodes.filter((node) => {
    const answers = query[node];
    return !(isRecord(answers) && Object.hasOwn(answers, name));
  });
}

/**
 * QUERY (spec 4.10): every online agent answers with `{"ARGNAME": value-or-null}` on stdout; when
 * all have answered, the server sends an `ARG query {node: {ARGNAME: value}} --extend-args` job to
 * every online agent. On the targeted agents (unless --no-wait) the QUERY job then waits, holding
 * its queue, until `args.query` has every node's answer, so the next job of the orchestration
 * can use `{{ query }}`. The server adds `query_nodes` (who was asked) and `query_targets` (who
 * waits) to the job; they are not part of the job SHA.
 */
export const QUERY = defineComponent({
  verb: 'QUERY',
  summary: 'Collect an argument from every target into the query cache.',
  description:
    'Asks every online agent for the value of ARGNAME in its args cache and stores the answers on every agent as ' +
    'args.query.<node>.<ARGNAME>, so later jobs can use {{ query }}. The targeted agents wait for all answers unless --no-wait.',
  args: Type.Object({
    no_wait: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Do not wait',
      description: 'Answer and finish at once instead of waiting until every answer is in the query cache.',
    }),
    query: Type.String({
      'x-argv': 'positional',
      'x-metavar': 'ARGNAME',
      minLength: 1,
      title: 'Argument',
      description: 'Name of the argument (in each target’s args cache) to collect.',
    }),
  }),
  cacheable: false,
  requiresLock: true,
  lockName: 'query',
  async run(ctx, fields) {
    const name = stringField(fields, 'query');
    const args = ctx.cache.getArgs();
    const value = Object.hasOwn(args, name) ? (args[name] ?? null) : null;
    ctx.write('stdout', `${JSON.stringify({ [name]: value })}\n`);
    const nodes = stringArrayField(fields, 'query_nodes');
    const targets = stringArrayField(fields, 'query_targets');
    if (boolField(fields, 'no_wait') || nodes.length === 0 || !targets.includes(ctx.identity)) return { ok: true, info: name };
    for (;;) {
      const missing = missingAnswers(ctx.cache.getArgs(), name, nodes);
      if (missing.length === 0) return { ok: true, info: name };
      if (ctx.signal.aborted) return { ok: false, info: `${name}: no answer from ${missing.join(', ')}` };
      await ctx.sleep(QUERY_WAIT_POLL_MS);
    }
  },
});
