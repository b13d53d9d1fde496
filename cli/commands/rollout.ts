/**
 * `directord rollout approve|resume|retry|abort RUN_ID` (issue #17): an operator's answer to a
 * rollout that waits for approval or halted. Prints where the rollout stands afterwards.
 */
import { formatWireError } from '../../protocol/result.js';
import { ROLLOUT_ACTIONS, type RolloutAction, type RunRollout } from '../../protocol/rollouts.js';
import { REQUEST_TIMEOUT_MS } from '../connection.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { line } from '../output.js';
import { withServer } from '../server-session.js';

export function rolloutLine(r: RunRollout): string {
  const parts = r.entries.map((e) => {
    const label = e.name ?? `entry ${e.entry + 1}`;
    return `${label}: wave ${Math.min(e.released, e.waves.length)}/${e.waves.length} ${e.state}`;
  });
  return `Rollout ${r.state}: ${parts.join('; ')}`;
}

export async function runRollout(action: string, runId: string, ctx: CliContext): Promise<number> {
  if (!(ROLLOUT_ACTIONS as readonly string[]).includes(action))
    throw new CliError(`rollout: unknown action ${JSON.stringify(action)}; expected ${ROLLOUT_ACTIONS.join(', ')}`, EXIT.usage);
  return withServer(ctx, async (client) => {
    const result = await client.request('rollouts:act', REQUEST_TIMEOUT_MS, { runId, action: action as RolloutAction });
    if (!result.ok) throw new CliError(formatWireError(result.error), result.error.code === 'invalid-payload' ? EXIT.usage : EXIT.failure);
    if (result.value.retryRunId) line(`Retry run: ${result.value.retryRunId}`);
    if (result.value.cancelled !== undefined) line(`Cancelled: ${result.value.cancelled}`);
    line(rolloutLine(result.value.rollout));
    return EXIT.ok;
  });
}
