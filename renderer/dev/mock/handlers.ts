/** The mock server's `/ui` request handlers (one per event of UiToServerEvents). */
import type { Socket } from 'socket.io';
import type { AgentInfo, ComponentManifest } from '../../../protocol/agents.js';
import { fail, ok } from '../../../protocol/result.js';
import type { LibraryItem, ServerToUiEvents, UiSocketData, UiToServerEvents } from '../../../protocol/ui-events.js';
import { PROTOCOL_VERSION } from '../../../protocol/version.js';
import type { MockEngine } from './engine.js';

export type MockState = {
  fleet: AgentInfo[];
  manifests: ComponentManifest[];
  engine: MockEngine;
  library: Map<string, LibraryItem>;
  startedAt: number;
};

type UiSocket = Socket<UiToServerEvents, ServerToUiEvents, Record<string, never>, UiSocketData>;
let libSeq = 0;

export function registerHandlers(socket: UiSocket, state: MockState): void {
  const { engine } = state;
  socket.on('server:info', (ack) =>
    ack(
      ok({
        version: '0.0.0-mock',
        protocolVersion: PROTOCOL_VERSION,
        dataDir: '(memory)',
        startedAt: state.startedAt,
        components: state.manifests,
      }),
    ),
  );
  socket.on('server:time', (ack) => ack(ok({ now: Date.now() })));
  socket.on('agents:list', (ack) => ack(ok(state.fleet)));
  socket.on('agents:purge', (ack) => {
    const before = state.fleet.length;
    state.fleet.splice(0, state.fleet.length, ...state.fleet.filter((a) => a.online));
    ack(ok({ purged: before - state.fleet.length }));
  });
  socket.on('runs:submit', (submission, ack) => ack(engine.submit(submission)));
  socket.on('runs:list', (filter, ack) => ack(ok(engine.list(filter ?? {}))));
  socket.on('runs:get', (runId, ack) => ack(engine.detail(runId)));
  socket.on('runs:cancel', (runId, ack) => ack(engine.cancel(runId)));
  socket.on('runs:rerun', (request, ack) => ack(engine.rerun(request)));
  socket.on('jobs:output', (request, ack) => ack(engine.output(request.jobId, request.target)));
  socket.on('runs:output', (request, ack) => ack(engine.runOutput(request.runId, request.target)));
  socket.on('jobs:list', (_request, ack) => ack(ok([])));
  socket.on('jobs:page', (_request, ack) => ack(ok({ jobs: [], next: null })));
  // A host's runs from the mock's run list (the mock keeps no per-host counts: the run's stand in).
  socket.on('hosts:history', (request, ack) => {
    const runs = engine
      .list({ target: request.target, limit: request.limit ?? 20 })
      .filter((r) => !request.failures || r.counts.failed + r.counts['timed-out'] + r.counts.lost > 0);
    ack(
      ok({
        target: request.target,
        runs: runs.map((r) => ({
          runId: r.runId,
          kind: r.kind,
          source: r.source,
          status: r.status,
          createdAt: r.createdAt,
          lastAt: r.finishedAt,
          targets: r.jobCount,
          open: r.counts.queued + r.counts.dispatched + r.counts.running,
          succeeded: r.counts.succeeded,
          failed: r.counts.failed + r.counts['timed-out'] + r.counts.lost,
          cancelled: r.counts.cancelled,
        })),
        next: null,
      }),
    );
  });
  socket.on('output:search', (_request, ack) => ack(ok({ hits: [], truncated: false })));
  socket.on('jobs:get', (jobId, ack) => ack(fail('not-found', `no job ${jobId}`)));
  socket.on('jobs:await', (_request, ack) => ack(ok([])));
  socket.on('jobs:purge', (ack) => ack(ok({ purged: 0 })));
  socket.on('jobs:analyze', (_request, ack) => ack(ok([])));
  socket.on('ui:subscribe', (request, ack) => {
    socket.data.outputOf = request?.outputOf ?? null;
    ack(ok(null));
  });
  socket.on('library:list', (ack) => ack(ok([...state.library.values()].map(({ yaml: _y, ...summary }) => summary))));
  socket.on('library:get', (id, ack) => {
    const item = state.library.get(id);
    ack(item ? ok(item) : fail('not-found', `no library item ${id}`));
  });
  // The mock has no schedules, notifications or triggers: an item's automation is empty.
  socket.on('library:automation', (id, ack) =>
    ack(state.library.has(id) ? ok({ schedules: [], notifications: [], triggers: [] }) : fail('not-found', `no library item ${id}`)),
  );
  socket.on('library:save', (item, ack) => {
    if (!item?.name?.trim()) return ack(fail('invalid-payload', 'a name is required'));
    const now = Date.now();
    const existing = item.id ? state.library.get(item.id) : undefined;
    if (item.id && !existing) return ack(fail('not-found', `no library item ${item.id}`));
    const saved: LibraryItem = {
      id: existing?.id ?? `lib${++libSeq}`,
      name: item.name.trim(),
      yaml: item.yaml,
      attachments: item.attachments ?? [],
      allowSimultaneous: item.allowSimultaneous ?? existing?.allowSimultaneous ?? false,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    state.library.set(saved.id, saved);
    ack(ok(saved));
  });
  socket.on('library:delete', (id, ack) => ack(state.library.delete(id) ? ok(null) : fail('not-found', `no library item ${id}`)));
}
