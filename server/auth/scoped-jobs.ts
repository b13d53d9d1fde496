/**
 * An operator's scope applied where targets are known (issue #18): the jobs service plans a run
 * (every job parsed, every target resolved, defaults and QUERY's extra nodes included) and asks
 * `admit` before it stores or dispatches anything. A run that reaches any host outside the scope
 * is refused whole, naming those hosts. Users' runs record the user as their author, whatever the
 * submission claims.
 */
import { fail, ok } from '../../protocol/result.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { currentPrincipal } from './guard.js';
import { outsideScope } from './scope.js';

export function scopedJobs(jobs: JobsService): JobsService {
  return {
    ...jobs,
    submit(submission, requestedBy, options = {}) {
      const who = currentPrincipal();
      if (!who || who.local) return jobs.submit(submission, requestedBy, options);
      const scope = who.scope;
      const admit = scope
        ? (hosts: readonly string[]) => {
            const outside = outsideScope(scope, hosts);
            return outside.length
              ? fail(
                  'forbidden',
                  `forbidden: ${who.role} ${who.user} may not reach ${outside.join(', ')} (outside the scope ${scope}); nothing was dispatched`,
                )
              : ok(null);
          }
        : undefined;
      return jobs.submit({ ...submission, requestedBy: who.user }, who.user, { ...options, ...(admit ? { admit } : {}) });
    },
  };
}
