/**
 * An operator's scope applied where targets are known (issue #18): the jobs service plans a run
 * (every job parsed, every target resolved, defaults and QUERY's extra nodes included) and asks
 * `admit` before it stores or dispatches anything. A run that reaches any host outside the scope
 * is refused whole, naming those hosts. Users' runs record the user as their author, whatever the
 * submission claims. Re-runs (same hosts or the current inventory) and rollout retries submit
 * through here too, so they are planned and checked the same way.
 */
import type { InventoryIndex } from '../../protocol/inventory/resolve.js';
import { fail, ok } from '../../protocol/result.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { currentPrincipal } from './guard.js';
import { outsideMessage, outsideScope } from './scope.js';

export function scopedJobs(jobs: JobsService, inventory: () => InventoryIndex): JobsService {
  return {
    ...jobs,
    submit(submission, requestedBy, options = {}) {
      const who = currentPrincipal();
      if (!who || who.local) return jobs.submit(submission, requestedBy, options);
      const scope = who.scope;
      const admit = scope
        ? (hosts: readonly string[]) => {
            const outside = outsideScope(scope, hosts, inventory());
            return outside.length ? fail('forbidden', outsideMessage(who.role, who.user, outside, scope)) : ok(null);
          }
        : undefined;
      return jobs.submit({ ...submission, requestedBy: who.user }, who.user, { ...options, ...(admit ? { admit } : {}) });
    },
  };
}
