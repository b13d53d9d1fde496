/**
 * A stand-in for the server's `/ui` requests (tests only): the real HTTP mirror
 * (server/http/ui-api.ts) on loopback, answering from canned data, and writing server.json and
 * cli.token into a data dir like the real server does.
 */
import { createServer as createHttpServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobPageRequest, JobsAwaitRequest, UiToServerEvents } from '../../protocol/ui-events.js';
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { AnalysisRow, JobOutput, JobRecord, JobSummary, ServerInfo } from '../../protocol/records.js';
import { createLogger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { serverFilePath, serverFileText } from '../../protocol/server-file.js';
import { createUiApi } from '../../server/http/ui-api.js';
import type { UiRequests } from '../../server/ui/ui.requests.js';

export type FakeData = {
  agents: AgentInfo[];
  jobs: JobRecord[];
  outputs: Map<string, JobOutput>;
  /** How to answer a submission; default: one job per entry job, ids `job-1`, `job-2`, … */
  onSubmit?: (submission: RunSubmission) => Result<RunSubmitted>;
  analysis?: AnalysisRow[];
};

export type FakeServer = {
  url: string;
  token: string;
  data: FakeData;
  submissions: RunSubmission[];
  awaited: { jobIds: string[]; timeoutMs: number }[];
  close(): Promise<void>;
};

const outputKey = (jobId: string, target: string) => `${jobId}\u0000${target}`;

export function addOutput(data: FakeData, output: JobOutput): void {
  data.outputs.set(outputKey(output.jobId, output.target), output);
}

export async function startFakeServer(dataDir: string, data: Partial<FakeData> = {}, token = 'a'.repeat(64)): Promise<FakeServer> {
  const state: FakeData = { agents: [], jobs: [], outputs: new Map(), ...data };
  const submissions: RunSubmission[] = [];
  const awaited: { jobIds: string[]; timeoutMs: number }[] = [];
  let nextJob = 1;
  const table: Partial<Record<keyof UiToServerEvents, (payload: unknown) => Result<unknown>>> = {
    'server:info': () => ok<ServerInfo>({ version: 'fake', protocolVersion: '1.0', dataDir, startedAt: 0, components: [] }),
    'agents:list': () => ok(state.agents),
    'agents:purge': () => {
      const purged = state.agents.length;
      state.agents = [];
      return ok({ purged });
    },
    'runs:submit': (payload) => {
      const submission = payload as RunSubmission;
      submissions.push(submission);
      if (state.onSubmit) return state.onSubmit(submission);
      const jobs = submission.entries.flatMap((entry) =>
        entry.jobs.map((job) => ({ jobId: `job-${nextJob++}`, parentId: 'parent', sha: 'f'.repeat(56), verb: job.verb, targets: [] })),
      );
      return ok({ runId: `run-${submissions.length}`, jobs });
    },
    'jobs:list': () => ok(state.jobs),
    // Newest first (the array is oldest first), counted from the canned targets as the server's counts are.
    'jobs:page': (payload) => {
      const request = payload as JobPageRequest;
      const counted = [...state.jobs].reverse().filter((j) => {
        if (request.filter === 'success') return j.targets.some((t) => t.state === 'succeeded');
        if (request.filter === 'failed') return j.targets.some((t) => ['failed', 'timed-out', 'lost'].includes(t.state));
        if (request.filter === 'processing') return j.targets.some((t) => ['queued', 'dispatched', 'running'].includes(t.state));
        return true;
      });
      const from = request.after === undefined ? 0 : counted.findIndex((j) => j.jobId === request.after) + 1;
      if (from === 0 && request.after !== undefined) return fail('not-found', `no job ${request.after}`);
      const limit = request.limit ?? 1000;
      const page = counted.slice(from, from + limit);
      const mean = (xs: Array<number | null>) => {
        const v = xs.filter((x): x is number => x !== null);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
      };
      const jobs: JobSummary[] = page.map(({ targets, ...job }) => ({
        ...job,
        counts: {
          targets: targets.length,
          open: targets.filter((t) => ['queued', 'dispatched', 'running'].includes(t.state)).length,
          succeeded: targets.filter((t) => t.state === 'succeeded').length,
          failed: targets.filter((t) => ['failed', 'timed-out', 'lost'].includes(t.state)).length,
          cancelled: targets.filter((t) => t.state === 'cancelled').length,
          executionTime: mean(targets.map((t) => t.executionTime)),
          roundtripTime: mean(targets.map((t) => t.roundtripTime)),
        },
      }));
      return ok({ jobs, next: from + limit < counted.length ? (page.at(-1)?.jobId ?? null) : null });
    },
    'jobs:get': (payload) => {
      const id = payload as string;
      const job = id === 'last' ? state.jobs.at(-1) : state.jobs.find((j) => j.jobId === id);
      return job ? ok(job) : fail('not-found', `no job ${id}`);
    },
    'jobs:await': (payload) => {
      const request = payload as JobsAwaitRequest;
      awaited.push({ jobIds: [...request.jobIds], timeoutMs: request.timeoutMs });
      return ok(state.jobs.filter((j) => request.jobIds.includes(j.jobId)));
    },
    'jobs:output': (payload) => {
      const request = payload as { jobId: string; target: string };
      const out = state.outputs.get(outputKey(request.jobId, request.target));
      return out ? ok(out) : fail('not-found', 'no output');
    },
    'jobs:purge': () => {
      const purged = state.jobs.length;
      state.jobs = [];
      return ok({ purged });
    },
    'jobs:analyze': () => ok(state.analysis ?? []),
  };
  const requests: UiRequests = {
    events: () => Object.keys(table),
    has: (event) => event in table,
    handle: (event, payload) =>
      Promise.resolve(table[event as keyof UiToServerEvents]?.(payload) ?? fail('invalid-payload', `unknown request ${event}`)),
  };
  const api = createUiApi({
    requests,
    authenticate: (presented) => (presented === token ? ok({ client: 'cli' }) : fail('unauthorized', 'wrong or missing token')),
    log: createLogger('fake-ui', () => undefined, 'error'),
  });
  const http = createHttpServer((req, res) => {
    if (!api(req, res, new URL(req.url ?? '/', 'http://localhost').pathname)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(serverFilePath(dataDir), serverFileText({ url, port, pid: process.pid, startedAt: Date.now() }));
  writeFileSync(join(dataDir, 'cli.token'), token + '\n');
  return {
    url,
    token,
    data: state,
    submissions,
    awaited,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
