/**
 * `npm run bench`: measures the engine with real processes on loopback. Never part of `npm test`.
 * Starts a real server and 6 real agent processes in a temporary data dir, then measures
 * (each the median of 3 runs):
 *   orchestration_1000x6_s  comparison-orchestration.yaml on all 6 agents, submit → every result stored
 *                           (agents as started by default: on a dash host a job runs in a fork of the
 *                           agent's long-lived shell, agent/exec/shell.ts jobCommand)
 *   shell_bound_s           the same 6000 commands run by 6 plain /bin/sh loops (the floor), the
 *                           mean of one measurement right before and one right after the orchestration
 *   agent_cpu_ms_per_job    the agents' own CPU (user + system, not their shells') during the
 *                           orchestration, per job; server_cpu_ms_per_target the same for the server
 *                           per (job, host). Steadier than wall time on this VM, so changes to the
 *                           job path can be compared with them.
 *   orchestration_shell_per_job_1000x6_s  the same on a fresh cluster whose agents run every job with
 *                           a new `/bin/sh -c` (`--shell-per-job`), as the floor's loops do: like for
 *                           like with the floor; shell_bound_shell_per_job_s is its own floor (before
 *                           and after, averaged)
 *   orchestration_vs_shell, shell_per_job_vs_shell  the two ratios to their floors
 *   exec_p50_ms/p99_ms      100 sequential single-job roundtrips, submit → result stored
 *   cli_exec_wall_ms        wall time of one `directord exec … --poll` CLI process
 *   node_start_ms           wall time of a bare `node -e 0`, timed the same way at the same moment
 *                           (the floor under cli_exec_wall_ms; it varies a lot on this VM)
 * Then the console phase (issue #3): `directord serve --no-agent` with 50 simulated agents
 * (scripts/bench/sim-agents.ts, the real /agent protocol) and the console in Debian's Chromium
 * (playwright-core), a fresh browser context per run, again the median of 3:
 *   ui_first_paint_ms       navigation start → first-contentful-paint of `/?token=…#/hosts`
 *   ui_hosts_ready_ms       navigation start → the Hosts table lists all 50 hosts
 *   ui_log_100k_lines_ms    `runs:submit` (from this process, all 50 hosts, 2,000 lines each) →
 *                           the console, which opened the run from History, has applied all
 *                           100,000 lines and drawn a frame (window.__directordStats)
 *   ui_longest_task_ms      the longest main-thread task (`longtask` observer) from load to the 100k
 *                           lines applied
 *   ui_open_run_1000x6_ms   a settled 1000-job run on 6 of those hosts (one output line each), clicked
 *                           in History → the console has applied all 6000 stored outputs
 * Then the scale phase (issue #5, scripts/bench/scale.ts): `directord server` with 500 simulated
 * agents in this process, again the median of 3:
 *   agents_500_connect_s         start → all 500 online in agents:list
 *   agents_500_orchestration_s   `runs:submit` of a 10-job orchestration on all 500 → all 5000
 *                                (job, target) results stored (jobs:await; counts checked in SQLite)
 *   server_rss_mb_500_agents     the server's VmRSS after the orchestration
 *   agents_500_reconnect_s       the server SIGKILLed and restarted on the same port: restart → all
 *                                500 online again (jittered backoff, checked)
 * `--cpu-prof DIR` has the engine phase's server and agents write V8 CPU profiles into DIR.
 * `--no-ui` skips the console phase, `--ui-only` runs only it; `--no-scale` skips the scale phase,
 * `--scale-only` runs only it.
 * The last line printed is one JSON object with the figures.
 *
 * With the engine phase also rollout_wave_gap_ms (rollout.ts) and schedule_fire_lag_ms (schedule.ts); with
 * the console phase ui_hosts_10k_first_paint_ms and ui_hosts_10k_filter_ms (inventory-ui.ts).
 * The phases live in scripts/bench/ (common.ts, engine.ts, console.ts, scale-phase.ts; soak.ts and
 * scale.ts, sim-agents.ts underneath); this file reads the flags and prints the figures.
 */
import { join } from 'node:path';
import { ensureBuilt, log, median, root, round, RUNS } from './bench/common.js';
import { enginePhase } from './bench/engine.js';
import { uiPhase } from './bench/console.js';
import { scalePhase } from './bench/scale-phase.js';

const USAGE = `Usage: npm run bench [-- options]

Measures the engine, the console and the scale with real processes on loopback (see scripts/bench.ts).
The last line printed is one JSON object with the figures (medians of the runs).

Options:
  --runs N          runs per figure (default 3; report the median of 3)
  --cpu-prof DIR    the engine phase's server and agents write V8 CPU profiles into DIR
  --no-ui           skip the console phase          --ui-only      run only the console phase
  --no-scale        skip the scale phase            --scale-only   run only the scale phase
  --soak            the 10-minute soak instead (scripts/bench/soak.ts)
  --history N       only the history phase: N results (default 1,000,000) via simulated agents (scripts/bench/history.ts)
  --help            print this help and exit
`;

async function historyPhase(): Promise<void> {
  const at = process.argv.indexOf('--history');
  const arg = process.argv[at + 1];
  const results = arg && /^\d+$/.test(arg) ? Number(arg) : 1_000_000;
  ensureBuilt(false);
  const { runHistory } = await import('./bench/history.js');
  const figures: Record<string, number[]> = {};
  for (let run = 1; run <= RUNS; run++) {
    log(`history run ${run}/${RUNS}: ${results} results`);
    for (const [k, v] of Object.entries(await runHistory({ bin: join(root, 'bin', 'directord.js'), results, log })))
      (figures[k] ??= []).push(v);
  }
  process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(median(v))]))) + '\n');
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return process.exit(0);
  }
  // The 10-minute soak is its own mode (scripts/bench/soak.ts).
  if (process.argv.includes('--soak')) return (await import('./bench/soak.js')).runSoak(process.argv.slice(2)).then(() => process.exit(0));
  // `--history N` runs only the history phase (issue #15, scripts/bench/history.ts), N results (default 1,000,000).
  if (process.argv.includes('--history')) return historyPhase();
  const scaleOnly = process.argv.includes('--scale-only');
  const engine = !process.argv.includes('--ui-only') && !scaleOnly;
  const withConsole = !process.argv.includes('--no-ui') && !scaleOnly;
  const withScale = !process.argv.includes('--no-scale') && !process.argv.includes('--ui-only');
  ensureBuilt(withConsole);
  const figures: Record<string, number[]> = engine ? await enginePhase() : {};
  if (withConsole) Object.assign(figures, await uiPhase());
  if (withScale) Object.assign(figures, await scalePhase());
  // Rollout waves (issue #17): scripts/bench/rollout.ts.
  if (engine) Object.assign(figures, await (await import('./bench/rollout.js')).rolloutPhase(RUNS, log));
  // Schedules (issue #19): fire time → dispatch, each run the median of 8 fires (scripts/bench/schedule.ts).
  if (engine) {
    const { runSchedulePhase } = await import('./bench/schedule.js');
    for (let run = 1; run <= RUNS; run++) {
      const r = await runSchedulePhase();
      log(`schedule run ${run}/${RUNS}: fire lag ${r.schedule_fire_lag_ms} ms (max ${r.schedule_fire_lag_max_ms})`);
      (figures.schedule_fire_lag_ms ??= []).push(r.schedule_fire_lag_ms);
    }
  }
  // The inventory panel with 10,000 hosts (issue #16): first paint and a keystroke's filter (scripts/bench/inventory-ui.ts).
  if (withConsole) {
    const { measureInventoryUi } = await import('./bench/inventory-ui.js');
    for (let run = 1; run <= RUNS; run++) {
      const r = await measureInventoryUi();
      log(`inventory ui run ${run}/${RUNS}: first paint ${r.ui_hosts_10k_first_paint_ms} ms, filter ${r.ui_hosts_10k_filter_ms} ms`);
      (figures.ui_hosts_10k_first_paint_ms ??= []).push(r.ui_hosts_10k_first_paint_ms);
      (figures.ui_hosts_10k_filter_ms ??= []).push(r.ui_hosts_10k_filter_ms);
    }
  }
  const result: Record<string, number> = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(median(v))]));
  if (engine) {
    result.orchestration_vs_shell = round(result.orchestration_1000x6_s! / result.shell_bound_s!);
    result.shell_per_job_vs_shell = round(result.orchestration_shell_per_job_1000x6_s! / result.shell_bound_shell_per_job_s!);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
