/**
 * `npm run bench`: measures the engine with real processes on loopback. Never part of `npm test`.
 * Starts a real server and 6 real agent processes in a temporary data dir, then measures
 * (each the median of 3 runs):
 *   orchestration_1000x6_s  comparison-orchestration.yaml on all 6 agents, submit → every result stored
 *   shell_bound_s           the same 6000 commands run by 6 plain /bin/sh loops (the floor)
 *   exec_p50_ms/p99_ms      100 sequential single-job roundtrips, submit → result stored
 *   cli_exec_wall_ms        wall time of one `directord exec … --poll` CLI process
 * The last line printed is one JSON object with the figures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { loadOrchestration } from '../components/orchestration.js';
import type { ServerToUiEvents, UiToServerEvents } from '../protocol/ui-events.js';
import type { RunSubmission, RunSubmitted } from '../protocol/jobs.js';
import type { AgentInfo } from '../protocol/agents.js';
import type { JobRecord } from '../protocol/records.js';
import type { Result } from '../protocol/result.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(root, '..', 'shared', 'fixtures', 'directord', 'comparison-orchestration.yaml');
const AGENTS = 6;
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function ensureBuilt(): void {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')) || !existsSync(join(root, 'dist', 'directord-agent.cjs'))) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Cluster = { dataDir: string; server: ChildProcess; agents: ChildProcess[]; ui: UiSocket; identities: string[] };

async function startCluster(): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-'));
  const server = spawn(process.execPath, [join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'server', '--port', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const info = await waitFor('server.json', () => {
    try { return JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string }; } catch { return undefined; }
  });
  const identities = Array.from({ length: AGENTS }, (_, i) => `bench-${i + 1}`);
  const agents = identities.map((identity) =>
    spawn(process.execPath, [join(root, 'dist', 'directord-agent.cjs'), '--data-dir', dataDir, '--identity', identity], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
  const ui: UiSocket = io(`${info.url}/ui`, { transports: ['websocket'], auth: { token, client: 'bench' } });
  await waitFor('agents online', async () => {
    const r: Result<AgentInfo[]> = await ui.timeout(5000).emitWithAck('agents:list');
    return r.ok && r.value.filter((a) => a.online && identities.includes(a.identity)).length === AGENTS ? true : undefined;
  });
  return { dataDir, server, agents, ui, identities };
}

async function stopCluster(c: Cluster): Promise<void> {
  c.ui.close();
  const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
  for (const a of c.agents) a.kill('SIGTERM');
  await Promise.race([Promise.all(c.agents.map(exited)), new Promise((r) => setTimeout(r, 5000))]);
  c.server.kill('SIGTERM');
  await Promise.race([exited(c.server), new Promise((r) => setTimeout(r, 5000))]);
  for (const p of [...c.agents, c.server]) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(c.dataDir, { recursive: true, force: true });
}

async function submitAndAwait(ui: UiSocket, submission: RunSubmission): Promise<void> {
  const r: Result<RunSubmitted> = await ui.timeout(60000).emitWithAck('runs:submit', submission);
  if (!r.ok) throw new Error(`submit failed: ${r.error.message}`);
  const done: Result<JobRecord[]> = await ui.timeout(600000).emitWithAck('jobs:await', { jobIds: r.value.jobs.map((j) => j.jobId), timeoutMs: 590000 });
  if (!done.ok) throw new Error(`await failed: ${done.error.message}`);
  const bad = done.value.flatMap((j) => j.targets).filter((t) => t.state !== 'succeeded');
  if (bad.length) throw new Error(`${bad.length} targets did not succeed (first: ${bad[0]?.target} ${bad[0]?.state} ${bad[0]?.info})`);
}

async function orchestrationRun(c: Cluster): Promise<number> {
  const loaded = loadOrchestration(readFileSync(fixture, 'utf8'), fixture);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const t0 = performance.now();
  await submitAndAwait(c.ui, { kind: 'orchestrate', source: 'comparison-orchestration.yaml', entries: loaded.value.entries, targets: c.identities, requestedBy: 'bench' });
  return (performance.now() - t0) / 1000;
}

function shellBound(): Promise<number> {
  const loop = 'i=0; while [ $i -lt 1000 ]; do /bin/sh -c "echo hello world"; i=$((i+1)); done';
  const t0 = performance.now();
  return Promise.all(
    Array.from({ length: AGENTS }, () => new Promise<void>((resolve, reject) => {
      const p = spawn('/bin/sh', ['-c', loop], { stdio: ['ignore', 'pipe', 'inherit'] });
      p.stdout.resume();
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shell loop exited ${code}`))));
    })),
  ).then(() => (performance.now() - t0) / 1000);
}

async function execLatencies(c: Cluster, n = 100): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await submitAndAwait(c.ui, { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo hi' }] }], targets: [c.identities[0]!], requestedBy: 'bench' });
    out.push(performance.now() - t0);
  }
  return out;
}

function cliExecWall(c: Cluster): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'directord.js'), '--data-dir', c.dataDir, 'exec', '--verb', 'RUN', '--target', c.identities[0]!, '--poll', '--skip-cache echo hi'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cli exec failed: ${r.stderr}${r.stdout}`);
  return ms;
}

async function main(): Promise<void> {
  ensureBuilt();
  const figures: Record<string, number[]> = { orchestration_1000x6_s: [], shell_bound_s: [], exec_p50_ms: [], exec_p99_ms: [], cli_exec_wall_ms: [] };
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run}/${RUNS}: starting server and ${AGENTS} agents`);
    const c = await startCluster();
    try {
      figures.shell_bound_s!.push(await shellBound());
      figures.orchestration_1000x6_s!.push(await orchestrationRun(c));
      const lat = await execLatencies(c);
      figures.exec_p50_ms!.push(percentile(lat, 50));
      figures.exec_p99_ms!.push(percentile(lat, 99));
      const walls = Array.from({ length: 5 }, () => cliExecWall(c));
      figures.cli_exec_wall_ms!.push(median(walls));
      log(`run ${run}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v.at(-1)!)])))}`);
    } finally {
      await stopCluster(c);
    }
  }
  const result: Record<string, number> = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(median(v))]));
  result.orchestration_vs_shell = round(result.orchestration_1000x6_s! / result.shell_bound_s!);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
