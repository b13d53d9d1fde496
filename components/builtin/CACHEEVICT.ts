import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { stringField } from './fields.js';

/**
 * CACHEEVICT (spec 4.8): remove a tag from the target's cache. Unlike Directord every
 * documented tag works (bug 9.1 fixed): `all`, `args`, `envs`, `jobs` (job states),
 * `parents` (parent states), `query` (the query part of args), or any stored key.
 * The output gives a count, not the evicted value.
 */
export const CACHEEVICT = defineComponent({
  verb: 'CACHEEVICT',
  summary: "Evict tagged items from the target's cache.",
  description: 'Removes one tag from the target cache: all, args, envs, jobs, parents, query, or any other stored key.',
  args: Type.Object({
    cacheevict: Type.String({
      'x-argv': 'positional',
      'x-metavar': 'TAG',
      minLength: 1,
      title: 'Tag',
      description: "What to evict: 'all', 'args', 'envs', 'jobs', 'parents', 'query' or another cache key.",
      examples: ['all', 'args', 'envs', 'jobs', 'parents', 'query'],
    }),
  }),
  cacheable: false,
  requiresLock: true,
  lockName: 'cacheevict',
  async run(ctx, fields) {
    const tag = stringField(fields, 'cacheevict');
    const all = tag.toLowerCase() === 'all';
    const result = ctx.cache.evict(all ? 'all' : tag);
    if (!result.ok) {
      ctx.write('stderr', `${result.message}\n`);
      return { ok: false, info: result.message };
    }
    const message = all ? 'All cache has been cleared' : `Evicted ${result.removed} items, tagged ${tag}`;
    ctx.write('stdout', `${message}\n`);
    return { ok: true, info: message };
  },
});
