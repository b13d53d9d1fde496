/**
 * The engine phase: a real server and 6 real agent processes (the CLI's own HTTP client drives them),
 * comparison-orchestration.yaml against its shell floor, exec roundtrips and the CLI's wall time
 * (figures in scripts/bench.ts's header).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrchestration } from '../../components/orchestration.js';
import { connectUi, type UiClient } from '../../cli/connection.js';
import { discoverServer, readServerFile } from '../../cli/discovery.js';
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobRecord } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import { fixture, log, median, percentile, profArgs, root, round, RUNS, waitFor } from './common.js';

export const AGENTS = 6;
/** Jobs in comparison-orchestration.yaml (checked when it is loaded). */
export const JOBS_PER_AGENT = 1000;

/**
 * The engine phase drives the server the way `directord orchestrate`/`exec` do: the CLI's own
 * HTTP client (cli/connection.ts), so no `/ui` socket receives (and costs) live broadcasts
 * that no one watches; the console phase measures a watching console.
 */
type Cluster = { dataDir: string; server: ChildProcess; agents: ChildProcess[]; cli: UiClient; identities: string[] };

/** `agentArgs`: extra agent flags (`--shell-per-job` for the like-for-like figure). */
async function startCluster(agentArgs: readonly string[] = []): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-'));
  const server = spawn(process.execPath, [...profArgs, join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'server', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor('server.json', () => readServerFile(dataDir) ?? undefined);
  const identities = Array.from({ length: AGENTS }, (_, i) => `bench-${i + 1}`);
  const agents = identities.map((identity) =>
    spawn(
      process.execPath,
      [...profArgs, join(root, 'dist', 'directord-agent.cjs'), '--data-dir', dataDir, '--identity', identity, ...agentArgs],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  const cli = await connectUi(discoverServer(dataDir));
  await waitFor('agents online', async () => {
    const r: Result<AgentInfo[]> = await cli.request('agents:list', 5000);
    return r.ok && r.value.filter((a) => a.online && identities.includes(a.identity)).length === AGENTS ? true : undefined;
  });
  return { dataDir, server, agents, cli, identities };
}

async function stopCluster(c: Cluster): Promise<void> {
  c.cli.close();
  const exited = (p: ChildProcess) =>
    new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
  for (const a of c.agents) a.kill('SIGTERM');
  await Promise.race([Promise.all(c.agents.map(exited)), new Promise((r) => setTimeout(r, 5000))]);
  c.server.kill('SIGTERM');
  await Promise.race([exited(c.server), new Promise((r) => setTimeout(r, 5000))]);
  for (const p of [...c.agents, c.server]) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(c.dataDir, { recursive: true, force: true });
}

async function submitAndAwait(cli: UiClient, submission: RunSubmission): Promise<void> {
  const r: Result<RunSubmitted> = await cli.request('runs:submit', 60000, submission);
  if (!r.ok) throw new Error(`submit failed: ${r.error.message}`);
  const done: Result<JobRecord[]> = await cli.request('jobs:await', 600000, {
    jobIds: r.value.jobs.map((j) => j.jobId),
    timeoutMs: 590000,
  });
  if (!done.ok) throw new Error(`await failed: ${done.error.message}`);
  const bad = done.value.flatMap((j) => j.targets).filter((t) => t.state !== 'succeeded');
  if (bad.length) throw new Error(`${bad.length} targets did not succeed (first: ${bad[0]?.target} ${bad[0]?.state} ${bad[0]?.info})`);
}

async function orchestrationRun(c: Cluster): Promise<number> {
  const loaded = loadOrchestration(readFileSync(fixture, 'utf8'), fixture);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const jobs = loaded.value.entries.reduce((n, e) => n + e.jobs.length, 0);
  if (jobs !== JOBS_PER_AGENT) throw new Error(`${fixture}: expected ${JOBS_PER_AGENT} jobs, found ${jobs}`);
  const t0 = performance.now();
  await submitAndAwait(c.cli, {
    kind: 'orchestrate',
    source: 'comparison-orchestration.yaml',
    entries: loaded.value.entries,
    targets: c.identities,
    requestedBy: 'bench',
  });
  return (performance.now() - t0) / 1000;
}

/** CPU milliseconds (user + system) `pid` has used so far, from /proc (its own, not its children's). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function shellBound(): Promise<number> {
  const loop = 'i=0; while [ $i -lt 1000 ]; do /bin/sh -c "echo hello world"; i=$((i+1)); done';
  const t0 = performance.now();
  return Promise.all(
    Array.from(
      { length: AGENTS },
      () =>
        new Promise<void>((resolve, reject) => {
          const p = spawn('/bin/sh', ['-c', loop], { stdio: ['ignore', 'pipe', 'inherit'] });
          p.stdout.resume();
          p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shell loop exited ${code}`))));
        }),
    ),
  ).then(() => (performance.now() - t0) / 1000);
}

/**
 * `measure`, with the floor measured right before and right after it and averaged: this VM's
 * speed drifts by tens of percent between minutes, and a floor taken only before the run
 * compared the orchestration with a different machine.
 */
async function betweenFloors<T>(measure: () => Promise<T>): Promise<{ value: T; floor: number; before: number; after: number }> {
  const before = await shellBound();
  const value = await measure();
  const after = await shellBound();
  return { value, floor: (before + after) / 2, before, after };
}

async function execLatencies(c: Cluster, n = 100): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await submitAndAwait(c.cli, {
      kind: 'exec',
      entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo hi' }] }],
      targets: [c.identities[0]!],
      requestedBy: 'bench',
    });
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Wall time of the CLI process, timed by a small shell around it as a user's shell would run it:
 * timing the spawn from here would add the fork of this large bench process (tsx, playwright,
 * socket.io loaded), which is not the CLI's cost.
 */
function cliExecWall(c: Cluster): number {
  return timedWall(c, [
    process.execPath,
    join(root, 'bin', 'directord.js'),
    '--data-dir',
    c.dataDir,
    'exec',
    '--verb',
    'RUN',
    '--target',
    c.identities[0]!,
    '--poll',
    '--skip-cache echo hi',
  ]);
}

/** Milliseconds `argv` runs, timed inside a small shell; throws with its output when it fails. */
function timedWall(c: Cluster, argv: readonly string[]): number {
  const out = join(c.dataDir, 'timed.out');
  const timed = 's=$(date +%s%N); "$@" >"$OUT" 2>&1; rc=$?; e=$(date +%s%N); echo "$rc $(( (e - s) / 1000 ))"';
  const r = spawnSync('/bin/sh', ['-c', timed, 'sh', ...argv], { encoding: 'utf8', env: { ...process.env, OUT: out } });
  const [rc, micros] = r.stdout.trim().split(' ').map(Number);
  if (r.status !== 0 || rc !== 0 || !Number.isFinite(micros))
    throw new Error(`${argv.slice(1, 3).join(' ')} failed (${rc}): ${readFileSync(out, 'utf8')}${r.stderr}`);
  return (micros as number) / 1000;
}

/** The engine figures, RUNS times each (medians are taken by the caller). */
export async function enginePhase(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = {
    orchestration_1000x6_s: [],
    shell_bound_s: [],
    agent_cpu_ms_per_job: [],
    server_cpu_ms_per_target: [],
    exec_p50_ms: [],
    exec_p99_ms: [],
    cli_exec_wall_ms: [],
    node_start_ms: [],
    orchestration_shell_per_job_1000x6_s: [],
    shell_bound_shell_per_job_s: [],
  };
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run}/${RUNS}: starting server and ${AGENTS} agents`);
    const c = await startCluster();
    try {
      const run1 = await betweenFloors(async () => {
        // Where the time over the floor goes, steadier than wall time on this VM: each process's
        // own CPU for the run (the shells and jobs are not counted in the agents').
        const cpuBefore = { server: cpuMs(c.server.pid), agents: c.agents.map((a) => cpuMs(a.pid)) };
        const seconds = await orchestrationRun(c);
        const agentCpu = c.agents.reduce((sum, a, i) => sum + cpuMs(a.pid) - cpuBefore.agents[i]!, 0);
        return { seconds, agentCpu, serverCpu: cpuMs(c.server.pid) - cpuBefore.server };
      });
      figures.orchestration_1000x6_s!.push(run1.value.seconds);
      figures.shell_bound_s!.push(run1.floor);
      figures.agent_cpu_ms_per_job!.push(run1.value.agentCpu / (AGENTS * JOBS_PER_AGENT));
      figures.server_cpu_ms_per_target!.push(run1.value.serverCpu / (AGENTS * JOBS_PER_AGENT));
      log(`run ${run}: shell_bound_s before ${round(run1.before)}, after ${round(run1.after)}`);
      const lat = await execLatencies(c);
      figures.exec_p50_ms!.push(percentile(lat, 50));
      figures.exec_p99_ms!.push(percentile(lat, 99));
      const walls: number[] = [];
      const bare: number[] = [];
      // Interleaved, so both see the same machine.
      for (let i = 0; i < 5; i++) {
        walls.push(cliExecWall(c));
        bare.push(timedWall(c, [process.execPath, '-e', '0']));
      }
      figures.cli_exec_wall_ms!.push(median(walls));
      figures.node_start_ms!.push(median(bare));
    } finally {
      await stopCluster(c);
    }
    // Like for like with the floor: every job in a new `/bin/sh -c`, as the floor's loops run them
    // (by default agents on a dash host run a job in a fork of their long-lived shell instead).
    const perJob = await startCluster(['--shell-per-job']);
    try {
      const run2 = await betweenFloors(() => orchestrationRun(perJob));
      figures.orchestration_shell_per_job_1000x6_s!.push(run2.value);
      figures.shell_bound_shell_per_job_s!.push(run2.floor);
    } finally {
      await stopCluster(perJob);
    }
    log(`run ${run}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v.at(-1)!)])))}`);
  }
  return figures;
}
