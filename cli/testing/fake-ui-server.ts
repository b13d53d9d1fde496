/**
 * A stand-in for the server's `/ui` namespace (tests only): real Socket.IO on loopback with
 * the same handshake and events, answering from canned data, and writing server.json and
 * ui.token into a data dir like the real server does.
 */
import { createServer as createHttpServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server } from 'socket.io';
import type { AgentInfo } from '../../protocol/agents.js';
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { AnalysisRow, JobOutput, JobRecord, ServerInfo } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';

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
  const http = createHttpServer();
  const io = new Server<UiToServerEvents, ServerToUiEvents>(http, { transports: ['websocket'] });
  const state: FakeData = { agents: [], jobs: [], outputs: new Map(), ...data };
  const submissions: RunSubmission[] = [];
  const awaited: { jobIds: string[]; timeoutMs: number }[] = [];
  let nextJob = 1;
  const ui = io.of('/ui');
  ui.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    if (auth.token !== token) {
      const error = new Error('unauthorized') as Error & { data?: unknown };
      error.data = { code: 'unauthorized' };
      return next(error);
    }
    next();
  });
  ui.on('connection', (socket) => {
    socket.on('server:info', (ack) => {
      const info: ServerInfo = { version: 'fake', protocolVersion: '1.0', dataDir, startedAt: 0, components: [] };
      ack({ ok: true, value: info });
    });
    socket.on('agents:list', (ack) => ack({ ok: true, value: state.agents }));
    socket.on('agents:purge', (ack) => {
      const purged = state.agents.length;
      state.agents = [];
      ack({ ok: true, value: { purged } });
    });
    socket.on('runs:submit', (submission, ack) => {
      submissions.push(submission);
      if (state.onSubmit) return ack(state.onSubmit(submission));
      const jobs = submission.entries.flatMap((entry) => entry.jobs.map((job) => ({ jobId: `job-${nextJob++}`, parentId: 'parent', sha: 'f'.repeat(56), verb: job.verb, targets: [] })));
      ack({ ok: true, value: { runId: `run-${submissions.length}`, jobs } });
    });
    socket.on('jobs:list', (request, ack) => ack({ ok: true, value: state.jobs }));
    socket.on('jobs:get', (id, ack) => {
      const job = id === 'last' ? state.jobs.at(-1) : state.jobs.find((j) => j.jobId === id);
      ack(job ? { ok: true, value: job } : { ok: false, error: { code: 'not-found', message: `no job ${id}` } });
    });
    socket.on('jobs:await', (request, ack) => {
      awaited.push({ jobIds: [...request.jobIds], timeoutMs: request.timeoutMs });
      ack({ ok: true, value: state.jobs.filter((j) => request.jobIds.includes(j.jobId)) });
    });
    socket.on('jobs:output', (request, ack) => {
      const out = state.outputs.get(outputKey(request.jobId, request.target));
      ack(out ? { ok: true, value: out } : { ok: false, error: { code: 'not-found', message: 'no output' } });
    });
    socket.on('jobs:purge', (ack) => {
      const purged = state.jobs.length;
      state.jobs = [];
      ack({ ok: true, value: { purged } });
    });
    socket.on('jobs:analyze', (_request, ack) => ack({ ok: true, value: state.analysis ?? [] }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ url, port, pid: process.pid, startedAt: Date.now() }));
  writeFileSync(join(dataDir, 'ui.token'), token + '\n');
  return {
    url,
    token,
    data: state,
    submissions,
    awaited,
    close: () =>
      new Promise<void>((resolve) => {
        void io.close(() => resolve());
      }),
  };
}
