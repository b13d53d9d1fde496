/**
 * Live updates to `/ui`, coalesced per event-loop turn: one `targets:updated` and one
 * `output:appended` per room per tick, then run and agent snapshots. Nothing is kept when
 * nobody listens.
 */
import type { Namespace } from 'socket.io';
import type { AgentInfo } from '../../protocol/agents.js';
import type { RunSummary } from '../../protocol/records.js';
import type { OutputAppended, ServerToUiEvents, TargetUpdate, UiSocketData, UiToServerEvents } from '../../protocol/ui-events.js';
import { LIMITS } from '../../protocol/version.js';
import type { JobsObserver } from '../jobs/jobs.state.js';

export type UiNamespace = Namespace<UiToServerEvents, ServerToUiEvents, Record<string, never>, UiSocketData>;

export const ALL_OUTPUT_ROOM = 'out:*';
export const outputRoom = (runId: string) => `out:${runId}`;

export type UiBroadcaster = JobsObserver &
  Readonly<{
    agentUpdated(agent: AgentInfo): void;
    flush(): void;
    dispose(): void;
  }>;

export function createUiBroadcaster(ns: UiNamespace): UiBroadcaster {
  let targets: TargetUpdate[] = [];
  let outputs: OutputAppended[] = [];
  let runs = new Map<string, RunSummary>();
  let agents = new Map<string, AgentInfo>();
  let scheduled: NodeJS.Immediate | null = null;

  const listening = () => ns.sockets.size > 0;
  const roomSize = (room: string) => ns.adapter.rooms.get(room)?.size ?? 0;
  const schedule = () => {
    if (!scheduled) scheduled = setImmediate(flush);
  };

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    const [t, o, r, a] = [targets, outputs, runs, agents];
    targets = [];
    outputs = [];
    runs = new Map();
    agents = new Map();
    if (!listening()) return;
    if (o.length) {
      if (roomSize(ALL_OUTPUT_ROOM)) ns.to(ALL_OUTPUT_ROOM).emit('output:appended', o);
      const byRun = new Map<string, OutputAppended[]>();
      for (const chunk of o) {
        let list = byRun.get(chunk.runId);
        if (!list) byRun.set(chunk.runId, (list = []));
        list.push(chunk);
      }
      for (const [runId, list] of byRun) if (roomSize(outputRoom(runId))) ns.to(outputRoom(runId)).emit('output:appended', list);
    }
    for (let i = 0; i < t.length; i += LIMITS.maxBatchEvents) ns.emit('targets:updated', t.slice(i, i + LIMITS.maxBatchEvents));
    for (const run of r.values()) ns.emit('run:updated', run);
    for (const agent of a.values()) ns.emit('agent:updated', agent);
  }

  return {
    wantsOutput: (runId) => roomSize(ALL_OUTPUT_ROOM) > 0 || roomSize(outputRoom(runId)) > 0,
    outputAppended(chunks) {
      if (!listening()) return;
      for (const c of chunks) outputs.push(c);
      schedule();
    },
    targetsUpdated(updates) {
      if (!listening()) return;
      for (const u of updates) targets.push(u);
      schedule();
    },
    runUpdated(run) {
      if (!listening()) return;
      runs.delete(run.runId);
      runs.set(run.runId, run);
      schedule();
    },
    agentUpdated(agent) {
      if (!listening()) return;
      agents.set(agent.identity, agent);
      schedule();
    },
    flush,
    dispose() {
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
    },
  };
}
