/**
 * Type tests of the server's two namespaces (checked by `tsc -p tsconfig.test.json`): one Socket.IO
 * server is typed with both maps (server/index.ts) so each namespace is its own map's view without a
 * cast; these lines keep the views apart. Each `@ts-expect-error` must be an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentNamespace } from './agents/agents.handlers.js';
import type { UiNamespace } from './ui/ui.broadcast.js';
import type { DispatchedJob } from '../protocol/jobs.js';
import type { RunSummary } from '../protocol/records.js';

/** Never called: only type-checked. */
export function namespaceChecks(ui: UiNamespace, agents: AgentNamespace, jobs: DispatchedJob[], run: RunSummary): void {
  agents.to('agent-1').emit('job:cancel', ['job-1']);
  ui.emit('run:updated', run);
  // @ts-expect-error the console namespace sends no job dispatch
  ui.emit('job:dispatch', jobs, () => {});
  // @ts-expect-error the agent namespace sends no run updates
  agents.emit('run:updated', run);
  // @ts-expect-error job:cancel takes job ids
  agents.emit('job:cancel', [1]);
}

test('the namespace type checks are compiled, not run', () => {
  assert.equal(typeof namespaceChecks, 'function');
});
