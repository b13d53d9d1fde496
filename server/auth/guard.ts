/**
 * The one place roles are enforced for `/ui` requests (issue #18): a wrapper around the request
 * table, so the socket and `POST /api/ui/<event>` (which both call `handle`) are checked the same
 * way and no handler has to remember. Every refusal and every state-changing request goes to the
 * audit log. The caller's principal is kept for the request's async duration, so the jobs service
 * can apply an operator's scope to the hosts a run really reaches (scoped-jobs.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../../protocol/log.js';
import { fail, type Result } from '../../protocol/result.js';
import type { Principal } from '../../protocol/teams.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { UiCaller, UiRequests } from '../ui/ui.requests.js';
import { allows, forbiddenMessage, ruleOf } from './policy.js';

export type GuardedCaller = UiCaller & Readonly<{ principal?: Principal; address?: string }>;

const current = new AsyncLocalStorage<Principal>();

/** The principal of the request being handled (undefined outside one). */
export const currentPrincipal = (): Principal | undefined => current.getStore();

/** The desktop app, ui.token and cli.token: one person's tool, admin without a login. */
export const localAdmin = (client: string): Principal => ({ user: client, role: 'admin', scope: null, local: true });

export function guardRequests(inner: UiRequests, deps: Readonly<{ audit: AuditLog; log: Logger }>): UiRequests {
  return {
    events: () => inner.events(),
    has: (event) => inner.has(event),
    async handle(event, payload, caller: GuardedCaller): Promise<Result<unknown>> {
      if (!inner.has(event)) return inner.handle(event, payload, caller);
      const who = caller.principal ?? localAdmin(caller.client);
      const address = caller.address ?? '';
      const rule = ruleOf(event);
      if (!allows(who.role, rule)) {
        const message = forbiddenMessage(who.role, who.user, rule);
        deps.log.info('request refused by role', { event, user: who.user, role: who.role });
        await deps.audit.record({ user: who.user, role: who.role, action: event, payload, result: 'refused', detail: message, address });
        return fail('forbidden', message);
      }
      // A user's name is what their runs, enrolments and revocations record as their author.
      const result = await current.run(who, () =>
        inner.handle(event, payload, { ...caller, client: who.local ? caller.client : who.user }),
      );
      if (rule.mutates || (!result.ok && result.error.code === 'forbidden')) {
        const outcome = result.ok ? 'ok' : result.error.code === 'forbidden' ? 'refused' : 'error';
        await deps.audit.record({
          user: who.user,
          role: who.role,
          action: event,
          payload,
          result: outcome,
          detail: result.ok ? '' : result.error.message,
          address,
        });
      }
      return result;
    },
  };
}
