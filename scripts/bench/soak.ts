/**
 * `npm run bench -- --soak [--soak-minutes N] [--soak-agents N]` (issue #5; never part of
 * `npm test`): a real server (`directord server`, with retention on) and several real agents
 * (dist/directord-agent.cjs) in a temp data dir, running mixed work without pause for N minutes
 * (default 10) from three lanes at once:
 *   - single RUN jobs on every agent (their submit → every result stored time is the roundtrip);
 *   - an orchestration with ARG, templated RUN, two async entries and ~200 KB of output;
 *   - jobs that must fail (`exit 3`) or time out (`--timeout 1 sleep 5`): expected, not failures.
 * A failure is any (job, host) whose state is not the expected one, or a request that errors.
 * At the end the server is stopped cleanly and the SQLite file checked (integrity_check). One JSON
 * line is printed: jobs_total (job × host results), jobs_per_s, failures, p50/p99 roundtrip, server
 * RSS at start, end and peak, the history size and whether it is intact.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import type { AgentInfo } from '../../protocol/agents.js';
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { JobRecord } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;

const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (message: string) => process.stderr.write(`[soak] ${message}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function option(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} expects a number greater than 0`);
  return value;
}

function rssMb(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return NaN;
  }
}

function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function ask<T>(ui: UiSocket, event: string, payload: unknown, timeoutMs = 120_000): Promise<T> {
  const timed = ui.timeout(timeoutMs) as unknown as { emitWithAck(e: string, ...p: unknown[]): Promise<Result<T>> };
  // Requests without a payload take the ack as their only argument.
  const r = await (payload === undefined ? timed.emitWithAck(event) : timed.emitWithAck(event, payload));
  if (!r.ok) throw new Error(`${event}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

type Expect = 'succeeded' | 'failed' | 'timed-out';

type Tally = { results: number; failures: number; expectedFailures: number; runs: number; roundtripsMs: number[]; errors: string[] };

/** Submits, waits for every result and counts each (job, host) against what was expected. */
async function runOnce(ui: UiSocket, tally: Tally, submission: RunSubmission, expect: (index: number) => Expect): Promise<void> {
  const started = performance.now();
  const submitted = await ask<RunSubmitted>(ui, 'runs:submit', submission);
  const records = await ask<JobRecord[]>(ui, 'jobs:await', { jobIds: submitted.jobs.map((j) => j.jobId), timeoutMs: 110_000 });
  const roundtrip = performance.now() - started;
  tally.runs++;
  for (const [i, job] of submitted.jobs.entries()) {
    const record = records.find((r) => r.jobId === job.jobId);
    for (const target of job.targets) {
      tally.results++;
      const state = record?.targets.find((t) => t.target === target)?.state;
      if (state === expect(i)) {
        if (state !== 'succeeded') tally.expectedFailures++;
      } else {
        tally.failures++;
        if (tally.errors.length < 10)
          tally.errors.push(`${job.verb} ${job.jobId} on ${target}: ${state ?? 'missing'} (expected ${expect(i)})`);
      }
    }
  }
  if (submitted.jobs.length === 1) tally.roundtripsMs.push(roundtrip);
}

export async function runSoak(argv: readonly string[]): Promise<void> {
  const minutes = option(argv, '--soak-minutes', 10);
  const agentCount = Math.round(option(argv, '--soak-agents', 4));
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')) || !existsSync(join(root, 'dist', 'directord-agent.cjs'))) {
    log('building dist/ first');
    if (spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' }).status !== 0)
      throw new Error('build failed');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-soak-'));
  const children: ChildProcess[] = [];
  const env = { ...process.env, DIRECTORD_DATA_DIR: dataDir };
  let ui: UiSocket | null = null;
  try {
    const server = spawn(
      process.execPath,
      [join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'server', '--port', '0', '--retention-max-mb', '256'],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(server);
    let url = '';
    for (let i = 0; i < 400 && !url; i++) {
      try {
        const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; pid: number };
        if (info.pid === server.pid) url = info.url;
      } catch {
        /* not yet */
      }
      if (!url) await sleep(50);
    }
    if (!url) throw new Error('the server did not start');
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    ui = io(`${url}/ui`, { transports: ['websocket'], auth: { token, client: 'soak' }, forceNew: true });
    const identities = Array.from({ length: agentCount }, (_, i) => `soak-${i + 1}`);
    for (const identity of identities) {
      children.push(
        spawn(process.execPath, [join(root, 'dist', 'directord-agent.cjs'), '--data-dir', dataDir, '--identity', identity], {
          env,
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
    }
    for (let i = 0; ; i++) {
      const agents = await ask<AgentInfo[]>(ui, 'agents:list', undefined, 5000).catch(() => [] as AgentInfo[]);
      if (identities.every((id) => agents.some((a) => a.identity === id && a.online))) break;
      if (i > 600) throw new Error('agents did not come online');
      await sleep(100);
    }
    const rssStart = rssMb(server.pid ?? -1);
    let rssMax = rssStart;
    log(`server ${url}, ${agentCount} agents online; running for ${minutes} min`);

    const tally: Tally = { results: 0, failures: 0, expectedFailures: 0, runs: 0, roundtripsMs: [], errors: [] };
    const started = Date.now();
    const deadline = started + minutes * 60_000;
    let round = 0;
    const lane = async (name: string, body: (n: number) => Promise<void>) => {
      for (let n = 0; Date.now() < deadline; n++) {
        try {
          await body(n);
        } catch (error) {
          tally.failures++;
          if (tally.errors.length < 10) tally.errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          await sleep(500);
        }
      }
    };
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMb(server.pid ?? -1));
      if (++round % 6 === 0)
        log(
          `${Math.round((Date.now() - started) / 1000)} s: ${tally.results} results, ${tally.failures} failures, rss ${rssMb(server.pid ?? -1)} MB`,
        );
    }, 10_000);
    const exec = (text: string): RunSubmission => ({ kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text }] }], requestedBy: 'soak' });
    await Promise.all([
      lane('exec', (n) => runOnce(ui!, tally, exec(`--skip-cache echo soak-${n}`), () => 'succeeded')),
      lane('orchestration', (n) =>
        runOnce(
          ui!,
          tally,
          {
            kind: 'orchestrate',
            requestedBy: 'soak',
            entries: [
              {
                name: 'args',
                jobs: [
                  { verb: 'ARG', text: `round ${n}` },
                  { verb: 'RUN', text: '--skip-cache echo "round {{ round }}"' },
                ],
              },
              { name: 'output', async: true, jobs: [{ verb: 'RUN', text: `--skip-cache head -c 200000 /dev/zero | tr '\\0' 'x' # ${n}` }] },
              { name: 'steps', async: true, jobs: [1, 2, 3].map((i) => ({ verb: 'RUN', text: `--skip-cache echo step-${i}-${n}` })) },
            ],
          },
          () => 'succeeded',
        ),
      ),
      lane('failures', async (n) => {
        await runOnce(ui!, tally, exec(`--skip-cache echo fail-${n}; exit 3`), () => 'failed');
        if (n % 10 === 0) await runOnce(ui!, tally, exec(`--skip-cache --timeout 1 sleep 5 # ${n}`), () => 'timed-out');
      }),
    ]);
    clearInterval(sampler);
    const elapsedS = (Date.now() - started) / 1000;
    const rssEnd = rssMb(server.pid ?? -1);
    ui.close();
    ui = null;
    for (const child of children.slice(1)) child.kill('SIGTERM');
    await Promise.all(children.slice(1).map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    const dbPath = join(dataDir, 'directord.db');
    const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    const db = new Database(dbPath, { readonly: true });
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    db.close();
    if (tally.errors.length) log(`first failures:\n  ${tally.errors.join('\n  ')}`);
    const round1 = (n: number) => Math.round(n * 10) / 10;
    process.stdout.write(
      JSON.stringify({
        soak_minutes: round1(elapsedS / 60),
        agents: agentCount,
        runs_total: tally.runs,
        jobs_total: tally.results,
        jobs_per_s: round1(tally.results / elapsedS),
        failures: tally.failures,
        expected_failures: tally.expectedFailures,
        roundtrip_p50_ms: round1(percentile(tally.roundtripsMs, 50)),
        roundtrip_p99_ms: round1(percentile(tally.roundtripsMs, 99)),
        server_rss_mb_start: rssStart,
        server_rss_mb_end: rssEnd,
        server_rss_mb_max: rssMax,
        db_size_mb: round1((size(dbPath) + size(`${dbPath}-wal`)) / 1024 / 1024),
        integrity_ok: integrity.length === 1 && integrity[0] === 'ok',
      }) + '\n',
    );
  } finally {
    ui?.close();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
