/**
 * An operator's scope on requests that act on a run already started (issue #18): cancelling it,
 * or approving, resuming, retrying or aborting its rollout, changes what happens on every host of
 * the run, so each of them must be inside the scope. Checked by the guard (guard.ts) before the
 * handler runs, for the requests the role table marks `scoped: 'run'`; nothing is done otherwise.
 */
import type { InventoryIndex } from '../../protocol/inventory/resolve.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { Principal } from '../../protocol/teams.js';
import { outsideMessage, outsideScope } from './scope.js';

export type RunScopeCheck = (who: Principal, payload: unknown) => Promise<Result<null>>;

export type RunScopeDeps = Readonly<{
  /** Every host the run reaches (live or stored); null when there is no such run (the handler says so). */
  runHosts(runId: string): Promise<readonly string[] | null>;
  inventory(): InventoryIndex;
}>;

/** `runs:cancel` takes the run id; `rollouts:act` an object with `runId`. */
const runIdOf = (payload: unknown): string | null =>
  typeof payload === 'string'
    ? payload
    : typeof payload === 'object' && payload !== null && typeof (payload as { runId?: unknown }).runId === 'string'
      ? (payload as { runId: string }).runId
      : null;

export function runScopeCheck(deps: RunScopeDeps): RunScopeCheck {
  return async (who, payload) => {
    const scope = who.scope;
    if (who.local || scope === null) return ok(null);
    const runId = runIdOf(payload);
    if (runId === null) return ok(null);
    const hosts = await deps.runHosts(runId);
    if (hosts === null) return ok(null);
    const outside = outsideScope(scope, hosts, deps.inventory());
    return outside.length
      ? fail('forbidden', outsideMessage(who.role, who.user, outside, scope, `run ${runId} was left as it was`))
      : ok(null);
  };
}
