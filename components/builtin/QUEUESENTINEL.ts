import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';

/**
 * QUEUESENTINEL (spec 4.9). The work happens in the agent's router, not here: when a
 * QUEUESENTINEL job arrives, the router fails every job still queued on that agent (all
 * parent queues) with "Omitted due to sentinel from <job id>", lets running jobs finish,
 * and runs the sentinel itself in a bypass queue. This client part only succeeds.
 * Job fields are Directord's `{parent_async_bypass: true}`; the argument is required
 * but not kept.
 */
export const QUEUESENTINEL = defineComponent({
  verb: 'QUEUESENTINEL',
  summary: 'Drop every job still queued on the target.',
  description: 'Fails all queued jobs on the target (running jobs continue). The argument is required and ignored; by convention `true`.',
  args: Type.Object({
    queue_sentinel: Type.String({
      'x-argv': 'rest',
      'x-metavar': 'ANYTHING',
      minLength: 1,
      examples: ['true'],
      title: 'Activate',
      description: 'Any text; required for Directord compatibility.',
    }),
  }),
  cacheable: false,
  requiresLock: true,
  lockName: 'queuesentinel',
  toJob: () => ({ parent_async_bypass: true }),
  async run() {
    return { ok: true };
  },
});
