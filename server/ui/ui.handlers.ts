/**
 * The `/ui` namespace (console and CLI): token check, then one handler per event of
 * protocol/ui-events.ts. Every payload is validated here; errors travel as values.
 */
import type { Socket } from 'socket.io';
import type { AgentInfo } from '../../protocol/agents.js';
import type { BlobStore } from '../blobs/blobs.store.js';
import { BlobPutSchema, BlobsHasSchema } from '../../protocol/blobs.js';
import { RunSubmissionSchema } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { ServerInfo } from '../../protocol/records.js';
import { fail, ok, type Ack, type Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiSocketData, UiToServerEvents } from '../../protocol/ui-events.js';
import { compileValidator } from '../../protocol/validate.js';
import type { HistoryService } from '../history/history.service.js';
import type { Awaiters } from '../jobs/awaiters.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { rerunSubmission } from '../jobs/rerun.plan.js';
import type { LibraryService } from '../library/library.service.js';
import { readCookie, TOKEN_COOKIE } from '../util/cookies.js';
import { secretMatches } from '../util/secrets.js';
import { ackOf, guarded } from '../util/wire.js';
import { ALL_OUTPUT_ROOM, outputRoom, type UiNamespace } from './ui.broadcast.js';
import * as v from './ui.schemas.js';

type UiSocket = Socket<UiToServerEvents, ServerToUiEvents, Record<string, never>, UiSocketData>;
type Last<T extends unknown[]> = T extends [...unknown[], infer L] ? L : never;
type AckValue<E extends keyof UiToServerEvents> = Last<Parameters<UiToServerEvents[E]>> extends Ack<infer T> ? T : never;
/** Events whose only argument is the ack. */
const NO_PAYLOAD = new Set<keyof UiToServerEvents>(['server:info', 'agents:list', 'agents:purge', 'jobs:purge', 'library:list']);

const submissionValidator = compileValidator(RunSubmissionSchema);
const blobPutValidator = compileValidator(BlobPutSchema);
const blobsHasValidator = compileValidator(BlobsHasSchema);

export type UiDeps = Readonly<{
  ns: UiNamespace;
  uiToken: string;
  log: Logger;
  agents: Readonly<{ list(): AgentInfo[]; purge(): number }>;
  jobs: JobsService;
  history: HistoryService;
  awaiters: Awaiters;
  library: LibraryService;
  serverInfo: () => ServerInfo;
  blobs: BlobStore;
  /** Runs before each submission and `server:info` (re-scans the user components). */
  refreshComponents?: () => Promise<void>;
}>;

export function registerUiNamespace(deps: UiDeps): void {
  const { ns, log } = deps;

  ns.use((socket, next) => {
    const auth = v.uiAuthValidator.check(socket.handshake.auth) ? socket.handshake.auth : null;
    const token = auth?.token ?? readCookie(socket.handshake.headers.cookie, TOKEN_COOKIE);
    if (!secretMatches(token, deps.uiToken)) {
      log.warn('ui connection refused: bad token', { address: socket.handshake.address });
      const error = new Error('unauthorized') as Error & { data?: unknown };
      error.data = { code: 'unauthorized', message: 'wrong or missing token: use the URL the server printed, or the CLI (it reads ui.token from the data dir)' };
      next(error);
      return;
    }
    socket.data = { client: auth?.client ?? 'console', outputOf: null };
    next();
  });

  ns.on('connection', (socket: UiSocket) => {
    log.debug('ui connected', { client: socket.data.client });
    const raw = socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
    const handle = <E extends keyof UiToServerEvents>(event: E, body: (payload: unknown) => Result<AckValue<E>> | Promise<Result<AckValue<E>>>) => {
      raw.on(event, (...args: unknown[]) => {
        const [payload, ack] = NO_PAYLOAD.has(event) ? [undefined, args[0]] : [args[0], args[1]];
        const reply = ackOf<AckValue<E>>(ack, log, event);
        void guarded(log, event, () => body(payload)).then(reply);
      });
    };
    registerHandlers(deps, socket, handle);
  });
}

type Handle = <E extends keyof UiToServerEvents>(event: E, body: (payload: unknown) => Result<AckValue<E>> | Promise<Result<AckValue<E>>>) => void;

function registerHandlers(deps: UiDeps, socket: UiSocket, handle: Handle): void {
  const { jobs, history, library } = deps;
  const client = () => socket.data.client;

  handle('server:info', async () => {
    await deps.refreshComponents?.();
    return ok(deps.serverInfo());
  });
  handle('agents:list', () => ok(deps.agents.list()));
  handle('agents:purge', () => ok({ purged: deps.agents.purge() }));

  handle('runs:submit', async (payload) => {
    const submission = submissionValidator.parse(payload, 'runs:submit');
    if (!submission.ok) return submission;
    await deps.refreshComponents?.();
    return jobs.submit(submission.value, client());
  });
  handle('blobs:has', (payload) => {
    const request = blobsHasValidator.parse(payload, 'blobs:has');
    return request.ok ? ok({ missing: deps.blobs.missing(request.value.shas) }) : request;
  });
  handle('blobs:put', (payload) => {
    const request = blobPutValidator.parse(payload, 'blobs:put');
    return request.ok ? deps.blobs.put(request.value) : request;
  });
  handle('runs:list', (payload) => {
    const filter = v.runFilterValidator.parse(payload ?? {}, 'runs:list');
    return filter.ok ? ok(history.listRuns(filter.value)) : filter;
  });
  handle('runs:get', (payload) => {
    const runId = v.runIdValidator.parse(payload, 'runs:get');
    return runId.ok ? history.getRun(runId.value) : runId;
  });
  handle('runs:cancel', (payload) => {
    const runId = v.runIdValidator.parse(payload, 'runs:cancel');
    if (!runId.ok) return runId;
    const result = jobs.cancelRun(runId.value);
    if (result) return result;
    const run = history.getRun(runId.value);
    return run.ok ? ok({ cancelled: 0 }) : run;
  });
  handle('runs:rerun', async (payload) => {
    const request = v.rerunValidator.parse(payload, 'runs:rerun');
    if (!request.ok) return request;
    const stored = history.submissionOf(request.value.runId);
    if (!stored.ok) return stored;
    const submission = rerunSubmission(stored.value.run, stored.value.jobs, request.value.failedOnly === true, client());
    if (!submission.ok) return submission;
    await deps.refreshComponents?.();
    return jobs.submit(submission.value, client());
  });

  handle('jobs:list', (payload) => {
    const request = v.jobsListValidator.parse(payload ?? {}, 'jobs:list');
    return request.ok ? ok(history.listJobs(request.value.filter, request.value.limit)) : request;
  });
  handle('jobs:get', (payload) => {
    const jobId = v.jobIdValidator.parse(payload, 'jobs:get');
    return jobId.ok ? history.getJob(jobId.value) : jobId;
  });
  handle('jobs:await', async (payload) => {
    const request = v.jobsAwaitValidator.parse(payload, 'jobs:await');
    if (!request.ok) return request;
    const ids = [...new Set(request.value.jobIds)];
    await deps.awaiters.wait(ids, jobs.isOpen, request.value.timeoutMs);
    const records = history.jobsByIds(ids);
    return records.length ? ok(records) : fail('not-found', `no such jobs: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`);
  });
  handle('jobs:output', (payload) => {
    const request = v.jobsOutputValidator.parse(payload, 'jobs:output');
    return request.ok ? history.output(request.value.jobId, request.value.target) : request;
  });
  handle('jobs:purge', () => ok({ purged: jobs.purge() }));
  handle('jobs:analyze', (payload) => {
    const request = v.analyzeValidator.parse(payload, 'jobs:analyze');
    if (!request.ok) return request;
    const r = request.value;
    return ok('parentId' in r ? history.analyzeParent(r.parentId) : 'jobId' in r ? history.analyzeJob(r.jobId) : history.analyzeAll());
  });

  handle('ui:subscribe', (payload) => {
    const request = v.subscribeValidator.parse(payload ?? {}, 'ui:subscribe');
    if (!request.ok) return request;
    const previous = socket.data.outputOf;
    if (previous) void socket.leave(previous === '*' ? ALL_OUTPUT_ROOM : outputRoom(previous));
    const next = request.value.outputOf ?? null;
    socket.data.outputOf = next;
    if (next) void socket.join(next === '*' ? ALL_OUTPUT_ROOM : outputRoom(next));
    return ok(null);
  });

  handle('library:list', () => ok(library.list()));
  handle('library:get', (payload) => {
    const id = v.libraryIdValidator.parse(payload, 'library:get');
    return id.ok ? library.get(id.value) : id;
  });
  handle('library:save', (payload) => {
    const item = v.librarySaveValidator.parse(payload, 'library:save');
    return item.ok ? library.save(item.value) : item;
  });
  handle('library:delete', (payload) => {
    const id = v.libraryIdValidator.parse(payload, 'library:delete');
    return id.ok ? library.remove(id.value) : id;
  });
}
