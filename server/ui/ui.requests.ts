/**
 * The `/ui` requests as a table independent of the transport: the Socket.IO namespace
 * (console) and the HTTP mirror `POST /api/ui/<event>` (CLI) both call `handle`. Every payload
 * is validated here; errors travel as values. `ui:subscribe` is not here: it needs a socket.
 */
import type { AgentInfo } from '../../protocol/agents.js';
import type { BlobStore } from '../blobs/blobs.store.js';
import { BlobPutSchema, BlobsHasSchema } from '../../protocol/blobs.js';
import { RunSubmissionSchema } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { BootstrapStarted } from '../../protocol/bootstrap.js';
import type { ServerInfo } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { UI_REQUESTS_WITHOUT_PAYLOAD, type UiToServerEvents } from '../../protocol/ui-events.js';
import { compileValidator } from '../../protocol/validate.js';
import type { HistoryService } from '../history/history.service.js';
import type { Awaiters } from '../jobs/awaiters.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { rerunSubmission } from '../jobs/rerun.plan.js';
import { unresolvedSubmission } from '../inventory/targets.js';
import type { LibraryService } from '../library/library.service.js';
import { AgentRevokeSchema, EnrolmentCreateSchema, EnrolmentIdSchema } from '../../protocol/enrolment.js';
import type { EnrolmentService } from '../enrolment/enrolment.service.js';
import type { RevokeAgent } from '../enrolment/revoke-agent.js';
import { guarded } from '../util/wire.js';
import type { RolloutsService } from '../rollouts/rollouts.service.js';
import { RolloutActionSchema } from '../../protocol/rollouts.js';
import type { RunPlan } from '../../protocol/plan.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import * as v from './ui.schemas.js';

import type { Body, On, UiCaller } from './ui.request-types.js';
export type { AckValue, On, UiCaller } from './ui.request-types.js';
/** Events whose only argument is the ack. */
export const NO_PAYLOAD = UI_REQUESTS_WITHOUT_PAYLOAD;

const submissionValidator = compileValidator(RunSubmissionSchema);
const blobPutValidator = compileValidator(BlobPutSchema);
const blobsHasValidator = compileValidator(BlobsHasSchema);
const enrolmentCreateValidator = compileValidator(EnrolmentCreateSchema);
const agentRevokeValidator = compileValidator(AgentRevokeSchema);
const enrolmentIdValidator = compileValidator(EnrolmentIdSchema);
const rolloutActionValidator = compileValidator(RolloutActionSchema);

export type UiRequestDeps = Readonly<{
  log: Logger;
  agents: Readonly<{ list(): AgentInfo[]; purge(): Promise<number> }>;
  jobs: JobsService;
  history: HistoryService;
  awaiters: Awaiters;
  library: LibraryService;
  serverInfo: () => ServerInfo;
  /** The server's clock (tests inject one); Date.now by default. */
  clock?: () => number;
  blobs: BlobStore;
  /** Runs before each submission and `server:info` (re-scans the user components). */
  refreshComponents?: () => Promise<void>;
  /** Enrolment tokens and agent revocation (issue #5); without them those requests are not answered. */
  access?: Readonly<{ enrolment: EnrolmentService; revokeAgent: RevokeAgent }>;
  /** Safe rollouts (issue #17); without them `rollouts:*` are not answered. */
  rollouts?: Pick<RolloutsService, 'get' | 'act'>;
  /** A dry run of a submission (issue #17). */
  plan?: (submission: RunSubmission) => Promise<Result<RunPlan>>;
  /** SSH bootstrap of new hosts (issue #6, server/bootstrap/); without it `hosts:bootstrap` is not answered. */
  bootstrap?: Readonly<{ start(payload: unknown): Result<BootstrapStarted> }>;
  /** Feature folders that add their own requests (inventory, teams, schedules, notifications, triggers). */
  extensions?: ReadonlyArray<(on: On) => void>;
}>;

type AnyBody = (payload: unknown, caller: UiCaller) => Result<unknown> | Promise<Result<unknown>>;

export type UiRequests = Readonly<{
  /** The events this table answers. */
  events(): string[];
  has(event: string): boolean;
  /** Never throws: an exception becomes an `internal` error value (and is logged). */
  handle(event: string, payload: unknown, caller: UiCaller): Promise<Result<unknown>>;
}>;

export function createUiRequests(deps: UiRequestDeps): UiRequests {
  const table = new Map<string, AnyBody>();
  const on = <E extends keyof UiToServerEvents>(event: E, body: Body<E>) => table.set(event, body as AnyBody);
  registerRequests(deps, on);
  for (const extend of deps.extensions ?? []) extend(on);
  return {
    events: () => [...table.keys()],
    has: (event) => table.has(event),
    handle(event, payload, caller) {
      const body = table.get(event);
      if (!body) return Promise.resolve(fail('invalid-payload', `unknown request ${JSON.stringify(event)}`));
      return guarded(deps.log, event, () => body(payload, caller));
    },
  };
}

function registerRequests(deps: UiRequestDeps, handle: On): void {
  const { jobs, history, library } = deps;

  handle('server:info', async () => {
    await deps.refreshComponents?.();
    return ok(deps.serverInfo());
  });
  const clock = deps.clock ?? Date.now;
  handle('server:time', () => ok({ now: clock() }));
  handle('agents:list', () => ok(deps.agents.list()));
  handle('agents:purge', async () => ok({ purged: await deps.agents.purge() }));

  handle('runs:submit', async (payload, caller) => {
    const submission = submissionValidator.parse(payload, 'runs:submit');
    if (!submission.ok) return submission;
    await deps.refreshComponents?.();
    return jobs.submit(submission.value, caller.client);
  });
  handle('blobs:has', (payload) => {
    const request = blobsHasValidator.parse(payload, 'blobs:has');
    return request.ok ? ok({ missing: deps.blobs.missing(request.value.shas) }) : request;
  });
  handle('blobs:put', (payload) => {
    const request = blobPutValidator.parse(payload, 'blobs:put');
    return request.ok ? deps.blobs.put(request.value) : request;
  });
  handle('runs:list', async (payload) => {
    const filter = v.runFilterValidator.parse(payload ?? {}, 'runs:list');
    return filter.ok ? ok(await history.listRuns(filter.value)) : filter;
  });
  handle('runs:get', (payload) => {
    const runId = v.runIdValidator.parse(payload, 'runs:get');
    return runId.ok ? history.getRun(runId.value) : runId;
  });
  handle('runs:cancel', async (payload) => {
    const runId = v.runIdValidator.parse(payload, 'runs:cancel');
    if (!runId.ok) return runId;
    const result = jobs.cancelRun(runId.value);
    if (result) return result;
    const run = await history.getRun(runId.value);
    return run.ok ? ok({ cancelled: 0 }) : run;
  });
  handle('runs:rerun', async (payload, caller) => {
    const request = v.rerunValidator.parse(payload, 'runs:rerun');
    if (!request.ok) return request;
    const stored = await history.submissionOf(request.value.runId);
    if (!stored.ok) return stored;
    const submission = rerunSubmission(stored.value.run, stored.value.jobs, request.value.failedOnly === true, caller.client);
    if (!submission.ok) return submission;
    await deps.refreshComponents?.();
    // "Re-run on current inventory": the patterns as written, resolved again.
    return jobs.submit(request.value.currentInventory ? unresolvedSubmission(submission.value) : submission.value, caller.client);
  });

  handle('jobs:list', async (payload) => {
    const request = v.jobsListValidator.parse(payload ?? {}, 'jobs:list');
    return request.ok ? history.listJobs(request.value.filter, request.value.limit, request.value.after) : request;
  });
  handle('jobs:page', async (payload) => {
    const request = v.jobPageValidator.parse(payload ?? {}, 'jobs:page');
    return request.ok ? history.pageJobs(request.value.filter, request.value.limit, request.value.after) : request;
  });
  handle('hosts:history', async (payload) => {
    const request = v.hostHistoryValidator.parse(payload, 'hosts:history');
    return request.ok ? ok(await history.hostHistory(request.value)) : request;
  });
  handle('output:search', (payload) => {
    const request = v.outputSearchValidator.parse(payload, 'output:search');
    return request.ok ? history.searchOutput(request.value) : request;
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
    const records = await history.jobsByIds(ids);
    return records.length ? ok(records) : fail('not-found', `no such jobs: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`);
  });
  handle('runs:output', (payload) => {
    const request = v.runOutputValidator.parse(payload, 'runs:output');
    return request.ok ? history.runOutput(request.value.runId, request.value.target, request.value.after ?? 0) : request;
  });
  handle('jobs:output', (payload) => {
    const request = v.jobsOutputValidator.parse(payload, 'jobs:output');
    return request.ok ? history.output(request.value.jobId, request.value.target) : request;
  });
  handle('jobs:outputs', (payload) => {
    const request = v.jobsOutputsValidator.parse(payload, 'jobs:outputs');
    return request.ok ? history.jobOutputs(request.value.jobId) : request;
  });
  handle('jobs:purge', async () => ok({ purged: await jobs.purge() }));
  handle('jobs:analyze', async (payload) => {
    const request = v.analyzeValidator.parse(payload, 'jobs:analyze');
    if (!request.ok) return request;
    const r = request.value;
    return ok(
      await ('parentId' in r ? history.analyzeParent(r.parentId) : 'jobId' in r ? history.analyzeJob(r.jobId) : history.analyzeAll()),
    );
  });

  const access = deps.access;
  if (access) {
    handle('enrolments:create', async (payload, caller) => {
      const request = enrolmentCreateValidator.parse(payload ?? {}, 'enrolments:create');
      return request.ok ? ok(await access.enrolment.create({ ...request.value, createdBy: caller.client })) : request;
    });
    handle('enrolments:list', () => ok(access.enrolment.list()));
    handle('enrolments:revoke', (payload) => {
      const id = enrolmentIdValidator.parse(payload, 'enrolments:revoke');
      return id.ok ? access.enrolment.revokeToken(id.value) : id;
    });
    handle('agents:revoke', (payload, caller) => {
      const request = agentRevokeValidator.parse(payload, 'agents:revoke');
      return request.ok ? access.revokeAgent(request.value.identity, caller.client, request.value.reason ?? '') : request;
    });
  }

  const plan = deps.plan;
  if (plan) {
    handle('runs:plan', async (payload) => {
      const submission = submissionValidator.parse(payload, 'runs:plan');
      if (!submission.ok) return submission;
      await deps.refreshComponents?.();
      return plan(submission.value);
    });
  }
  const rollouts = deps.rollouts;
  if (rollouts) {
    handle('rollouts:get', async (payload) => {
      const runId = v.runIdValidator.parse(payload, 'rollouts:get');
      if (!runId.ok) return runId;
      const rollout = await rollouts.get(runId.value);
      return rollout ? ok(rollout) : fail('not-found', `run ${runId.value} has no rollout (or does not exist)`);
    });
    handle('rollouts:act', (payload, caller) => {
      const request = rolloutActionValidator.parse(payload, 'rollouts:act');
      return request.ok ? rollouts.act(request.value.runId, request.value.action, caller.client) : request;
    });
  }

  const bootstrap = deps.bootstrap;
  if (bootstrap) handle('hosts:bootstrap', (payload) => bootstrap.start(payload));

  handle('library:list', async () => ok(await library.list()));
  handle('library:get', (payload) => {
    const id = v.libraryIdValidator.parse(payload, 'library:get');
    return id.ok ? library.get(id.value) : id;
  });
  handle('library:save', (payload) => {
    const item = v.librarySaveValidator.parse(payload, 'library:save');
    return item.ok ? library.save(item.value) : item;
  });
  handle('library:settings', (payload) => {
    const request = v.librarySettingsValidator.parse(payload, 'library:settings');
    return request.ok ? library.setAllowSimultaneous(request.value.id, request.value.allowSimultaneous) : request;
  });
  handle('library:delete', (payload) => {
    const id = v.libraryIdValidator.parse(payload, 'library:delete');
    return id.ok ? library.remove(id.value) : id;
  });
}
