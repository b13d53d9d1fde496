/**
 * The history phase (issue #15): `directord server` with simulated agents (scripts/bench/sim-agents.ts)
 * runs orchestrations of 50 jobs until `results` target results are stored, then measures the reads
 * that must not grow with history, each the median of 3:
 *   history_fill_s          wall time of the fill (submit → every result committed)
 *   history_list_jobs_ms    `directord manage --list-jobs` (the CLI process, wall; newest 1000)
 *   history_jobs_page_ms    `/ui jobs:page {limit: 100}`
 *   history_runs_page_ms    `/ui runs:list {limit: 50}` and a host's `hosts:history {limit: 20}` (the slower)
 *   history_search_ms       `/ui output:search` of a phrase every host printed (first 100 lines)
 *   history_job_info_ms     `directord manage --job-info last` (wall: node's and the CLI's own start included)
 *   history_job_info_request_ms  the requests it makes (`jobs:get last`, then `jobs:outputs` and `rollouts:get`)
 *   history_restart_ms      stop → a new server answers `/ui` (open, migrate, load open work)
 *   history_db_mb           directord.db + its WAL
 *   history_prune_s         one retention pass deleting the whole filled history (made 30 days old; `--retention-days 7`)
 *   history_exec_p99_ms     a one-host job's roundtrip p99 on that database, nothing pruning
 *   history_prune_exec_p99_ms  the same while the pass prunes (issue #15: within 2× of the one without)
 * Run alone with `node --import tsx scripts/bench.ts --history N` (N results, default 1,000,000).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import type { AgentInfo } from '../../protocol/agents.js';
import type { RunSubmitted } from '../../protocol/jobs.js';
import type { JobOutput, JobRecord, OutputSearch } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import { startSimAgents, type SimAgents } from './sim-agents.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;

/** `fillOnly`: stop after the fill (history_fill_s and history_db_mb only), e.g. to time an older build's job path. */
export type HistoryOptions = Readonly<{ bin: string; results: number; log?: (line: string) => void; fillOnly?: boolean }>;

export type HistoryFigures = Record<
  | 'history_fill_s'
  | 'history_list_jobs_ms'
  | 'history_jobs_page_ms'
  | 'history_runs_page_ms'
  | 'history_search_ms'
  | 'history_job_info_ms'
  | 'history_job_info_request_ms'
  | 'history_restart_ms'
  | 'history_db_mb'
  | 'history_prune_s'
  | 'history_exec_p99_ms'
  | 'history_prune_exec_p99_ms',
  number
>;

const JOBS_PER_RUN = 50;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`history bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startServer(bin: string, dataDir: string, extra: readonly string[] = []): ChildProcess {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawn(process.execPath, [bin, '--data-dir', dataDir, 'server', '--port', '0', ...extra], {
    env,
    stdio: ['ignore', 'ignore', extra.length ? 'pipe' : 'inherit'],
  });
}

const p99 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

/** One job on `target` (a simulated agent), submit → settled, in ms: the job path. */
async function roundtrip(u: UiSocket, target: string): Promise<number> {
  const t = performance.now();
  const sent: Result<RunSubmitted> = await u.timeout(60_000).emitWithAck('runs:submit', {
    kind: 'exec',
    entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo probe' }] }],
    targets: [target],
    requestedBy: 'bench',
  });
  const jobIds = unwrap(sent, 'runs:submit').jobs.map((j) => j.jobId);
  unwrap(await u.timeout(60_000).emitWithAck('jobs:await', { jobIds, timeoutMs: 60_000 }), 'jobs:await');
  return performance.now() - t;
}

/**
 * Retention at that size (issue #15, item 4): the job path's p99 on the full database, then again while
 * a server started with `--retention-days 7` prunes all of it (made 30 days old) (its pass starts a second after start;
 * its `history pruned` log line ends the measurement).
 */
async function prunePhase(
  bin: string,
  dataDir: string,
  token: string,
  key: string,
  current: { server: ChildProcess; url: string },
  log: (line: string) => void,
): Promise<{ pruneS: number; quietP99: number; pruningP99: number; server: ChildProcess }> {
  const probe = async (url: string, body: (u: UiSocket, target: string) => Promise<void>) => {
    const sims = await startSimAgents({ serverUrl: url, key, count: 1, prefix: 'probe-' });
    const u = await connect(url, token);
    try {
      await until(
        'the probe agent online',
        async () => {
          const listed: Result<AgentInfo[]> = await u.timeout(30_000).emitWithAck('agents:list');
          return unwrap(listed, 'agents:list').some((a) => a.online && a.identity === sims.identities[0]) ? true : undefined;
        },
        60_000,
      );
      await body(u, sims.identities[0]!);
    } finally {
      u.close();
      await sims.close();
    }
  };
  const quiet: number[] = [];
  await probe(current.url, async (u, target) => {
    for (let i = 0; i < 300; i++) quiet.push(await roundtrip(u, target));
  });
  await stop(current.server);
  // The filled history becomes 30 days old (only its runs: the probe's new runs are kept), so a pass
  // with `--retention-days 7` deletes exactly it, while new work goes on.
  const db = new Database(join(dataDir, 'directord.db'));
  db.prepare("UPDATE runs SET created_at = created_at - ? WHERE source LIKE 'history-%'").run(30 * 24 * 3600 * 1000);
  db.close();
  const server = startServer(bin, dataDir, ['--retention-days', '7']);
  let pruneMs: number | null = null;
  let buffered = '';
  server.stderr!.setEncoding('utf8');
  server.stderr!.on('data', (text: string) => {
    buffered = (buffered + text).slice(-65_536);
    const m = /history pruned (\{.*\})/.exec(buffered);
    if (m && pruneMs === null) {
      pruneMs = (JSON.parse(m[1]!) as { ms: number }).ms;
      log(`history: pruned ${m[1]}`);
    }
  });
  const url = await serverUrl(dataDir, server.pid!);
  const pruning: number[] = [];
  // 300 roundtrips while it prunes (or fewer when the pass ends first); then it finishes at full speed.
  await probe(url, async (u, target) => {
    while (pruneMs === null && pruning.length < 300) pruning.push(await roundtrip(u, target));
  });
  await until('the pruning pass to end', () => (pruneMs === null ? undefined : true), 3_600_000);
  if (pruning.length < 20) throw new Error(`history bench: only ${pruning.length} roundtrips while pruning (the pass took ${pruneMs} ms)`);
  return { pruneS: (pruneMs ?? 0) / 1000, quietP99: p99(quiet), pruningP99: p99(pruning), server };
}

async function serverUrl(dataDir: string, pid: number): Promise<string> {
  return until(
    'server.json',
    () => {
      try {
        const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; pid: number };
        return info.pid === pid ? info.url : undefined;
      } catch {
        return undefined;
      }
    },
    120_000,
  );
}

async function connect(url: string, token: string): Promise<UiSocket> {
  const ui: UiSocket = io(`${url}/ui`, {
    transports: ['websocket'],
    auth: { token, client: 'bench-history' },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    ui.once('connect', () => resolve());
    ui.once('connect_error', reject);
  });
  return ui;
}

function unwrap<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export async function runHistory(options: HistoryOptions): Promise<HistoryFigures> {
  const log = options.log ?? (() => undefined);
  const agents = options.results >= 1_000_000 ? 1000 : 500;
  const runs = Math.max(1, Math.round(options.results / (agents * JOBS_PER_RUN)));
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-history-'));
  let server = startServer(options.bin, dataDir);
  let sims: SimAgents | null = null;
  let ui: UiSocket | null = null;
  try {
    const url = await serverUrl(dataDir, server.pid!);
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    const key = readFileSync(join(dataDir, 'agent.key'), 'utf8').trim();
    ui = await connect(url, token);
    sims = await startSimAgents({ serverUrl: url, key, count: agents, prefix: 'hist-', connectConcurrency: 50, connectTimeoutMs: 120_000 });
    const targets = [...sims.identities];
    const u = ui;
    await until(
      `${agents} agents online`,
      async () => {
        const listed: Result<AgentInfo[]> = await u.timeout(30_000).emitWithAck('agents:list');
        return unwrap(listed, 'agents:list').filter((a) => a.online).length >= agents ? true : undefined;
      },
      120_000,
    );

    log(`history: ${runs} runs × ${JOBS_PER_RUN} jobs × ${agents} agents = ${runs * JOBS_PER_RUN * agents} results`);
    const t0 = performance.now();
    for (let r = 0; r < runs; r++) {
      const jobs = Array.from({ length: JOBS_PER_RUN }, (_, j) => ({
        verb: 'RUN',
        text:
          j === 0
            ? `--skip-cache echo run ${r} write failed: No space left on device`
            : j === 7
              ? '--skip-cache fail 3'
              : `--skip-cache echo history run ${r} job ${j} ok`,
      }));
      const sent: Result<RunSubmitted> = await u.timeout(600_000).emitWithAck('runs:submit', {
        kind: 'orchestrate',
        source: `history-${r}`,
        entries: [{ name: `h${r}`, jobs }],
        targets,
        requestedBy: 'bench',
      });
      const submitted = unwrap(sent, 'runs:submit');
      unwrap(
        await u.timeout(1_200_000).emitWithAck('jobs:await', { jobIds: submitted.jobs.map((j) => j.jobId), timeoutMs: 1_200_000 }),
        'jobs:await',
      );
      if (r % 5 === 4) log(`history: ${r + 1}/${runs} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const fillS = (performance.now() - t0) / 1000;
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    const db = join(dataDir, 'directord.db');
    const dbMb = () => (size(db) + size(`${db}-wal`)) / 1e6;
    if (options.fillOnly) return { history_fill_s: fillS, history_db_mb: dbMb() } as HistoryFigures;
    const timeMs = async (fn: () => Promise<unknown> | unknown) => {
      const xs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await fn();
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [options.bin, '--data-dir', dataDir, ...args], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`directord ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    };
    const listJobs = await timeMs(() => cli('manage', '--list-jobs'));
    const jobsPage = await timeMs(async () => unwrap(await u.timeout(60_000).emitWithAck('jobs:page', { limit: 100 }), 'jobs:page'));
    const runsPage = await timeMs(async () => unwrap(await u.timeout(60_000).emitWithAck('runs:list', { limit: 50 }), 'runs:list'));
    const hostPage = await timeMs(async () =>
      unwrap(await u.timeout(60_000).emitWithAck('hosts:history', { target: targets[0]!, limit: 20 }), 'hosts:history'),
    );
    const search = await timeMs(async () => {
      const answer: Result<OutputSearch> = await u.timeout(60_000).emitWithAck('output:search', { text: '"no space left on device"' });
      const found = unwrap(answer, 'output:search');
      if (found.hits.length === 0) throw new Error('history bench: the search found nothing');
    });
    const jobInfo = await timeMs(() => cli('manage', '--job-info', 'last'));
    const jobInfoRequest = await timeMs(async () => {
      const got: Result<JobRecord> = await u.timeout(60_000).emitWithAck('jobs:get', 'last');
      const job = unwrap(got, 'jobs:get');
      const [outputs]: [Result<JobOutput[]>, unknown] = await Promise.all([
        u.timeout(60_000).emitWithAck('jobs:outputs', { jobId: job.jobId }),
        u.timeout(60_000).emitWithAck('rollouts:get', job.runId),
      ]);
      if (unwrap(outputs, 'jobs:outputs').length !== job.targets.length) throw new Error('history bench: jobs:outputs missed hosts');
    });
    ui.close();
    ui = null;
    const restarts: number[] = [];
    let next = url;
    for (let i = 0; i < 3; i++) {
      await stop(server);
      const t = performance.now();
      server = startServer(options.bin, dataDir);
      next = await serverUrl(dataDir, server.pid!);
      const probe = await connect(next, token);
      unwrap(await probe.timeout(60_000).emitWithAck('server:info'), 'server:info');
      restarts.push(performance.now() - t);
      probe.close();
    }
    const dbMbFull = dbMb();
    await sims.close();
    sims = null;
    const pruned = await prunePhase(options.bin, dataDir, token, key, { server, url: next }, log);
    server = pruned.server;
    return {
      history_fill_s: fillS,
      history_list_jobs_ms: listJobs,
      history_jobs_page_ms: jobsPage,
      history_runs_page_ms: Math.max(runsPage, hostPage),
      history_search_ms: search,
      history_job_info_ms: jobInfo,
      history_job_info_request_ms: jobInfoRequest,
      history_restart_ms: median(restarts),
      history_db_mb: dbMbFull,
      history_prune_s: pruned.pruneS,
      history_exec_p99_ms: pruned.quietP99,
      history_prune_exec_p99_ms: pruned.pruningP99,
    };
  } finally {
    ui?.close();
    await sims?.close();
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
