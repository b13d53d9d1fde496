/**
 * The `manage` renderings of spec 2.4, from the server's read models:
 * `--list-nodes`, `--list-jobs`, `--job-info`, purge and analyze. Pure: data in, text out.
 */
import type { AgentInfo } from '../../protocol/agents.js';
import type { AnalysisRow, JobRecord } from '../../protocol/records.js';
import type { Cell } from './table.js';
import { dictLines, fixed8, formatTimedelta, formatTimestamp, renderKeyValue, renderReport } from './keyvalue.js';
import { failedTargets, isProcessing, meanOf, succeededTargets } from './states.js';
import type { NodeOutput } from './poll.js';

/** Directord's DRIVER column; ours is always Socket.IO. */
export const DRIVER = 'socketio';

/** Seconds until the agent counts as expired (never negative). */
export function expirySeconds(agent: AgentInfo, now: number): number {
  return Math.max(0, (agent.expiresAt - now) / 1000);
}

/**
 * `--list-nodes`: online agents, and those rebooting after a REBOOT job (ID `NAME (rebooting)`;
 * EXPIRY counts down to the end of its reboot window); `Total EXPIRY` is Directord's genuine (odd) sum line.
 */
export function renderListNodes(agents: readonly AgentInfo[], now: number): string {
  const rows: Cell[][] = [];
  let totalExpiry = 0;
  for (const agent of agents) {
    const expiry = expirySeconds(agent, now);
    totalExpiry += expiry;
    rows.push([
      agent.rebooting ? `${agent.identity} (rebooting)` : agent.identity,
      expiry.toFixed(2),
      agent.agentVersion,
      formatTimedelta(agent.facts.hostUptimeS),
      formatTimedelta(Math.max(0, (agent.lastHeartbeat - agent.agentStartedAt) / 1000)),
      agent.machineId,
      DRIVER,
    ]);
  }
  return renderReport(['ID', 'EXPIRY', 'VERSION', 'HOST_UPTIME', 'AGENT_UPTIME', 'MACHINE_ID', 'DRIVER'], rows, [
    { heading: 'EXPIRY', value: totalExpiry, float: true },
  ]);
}

export function executionTime(job: JobRecord): number | null {
  return meanOf(job.targets.map((t) => t.executionTime));
}

export function roundtripTime(job: JobRecord): number | null {
  return meanOf(job.targets.map((t) => t.roundtripTime));
}

/** `--list-jobs`: one row per job, oldest first; a missing value shows as 0. */
export function renderListJobs(jobs: readonly JobRecord[]): string {
  const rows = [...jobs]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((job): Cell[] => {
      const exec = executionTime(job);
      const success = succeededTargets(job).length;
      const failed = failedTargets(job).length;
      return [
        job.jobId,
        job.parentName ?? job.parentId,
        job.verb,
        exec === null ? 0 : fixed8(exec),
        isProcessing(job) ? 'True' : 'False',
        success || 0,
        failed || 0,
      ];
    });
  return renderReport(['ID', 'PARENT_JOB_NAME', 'VERB', 'EXECUTION_TIME', 'PROCESSING', 'SUCCESS', 'FAILED'], rows);
}

/** Directord's job dict (JOB_DEFINITION), in its key order; false and empty values vanish when rendered. */
export function jobDefinition(job: JobRecord): [string, unknown][] {
  return [
    ['verb', job.verb],
    ...Object.entries(job.args),
    ['timeout', job.timeout],
    ['run_once', job.runOnce],
    ['skip_cache', job.skipCache],
    ['parent_async', job.parentAsync],
    ['job_sha3_224', job.sha],
    ['job_id', job.jobId],
    ['parent_id', job.parentId],
    ['parent_sha3_224', job.parentSha],
    ['parent_name', job.parentName],
    ['job_name', job.jobName],
  ];
}

function latest(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length ? Math.max(...present) : null;
}

/**
 * `--job-info ID|last` (spec 2.4 layout): `ID` is what the user typed; STDOUT/STDERR/INFO are
 * `node = value` lines (empty values hidden); timings are means over nodes with 8 decimals;
 * timestamps are local `YYYY-MM-DD HH:MM:SS`; null rows are hidden.
 */
/** `waves`: each host's rollout wave (issue #17), shown as WAVE when the job is in a rollout. */
export function renderJobInfo(
  requestedId: string,
  job: JobRecord,
  outputs: readonly NodeOutput[],
  waves: ReadonlyMap<string, string> = new Map(),
): string {
  const nodes = [...job.targets].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  const outputOf = new Map(outputs.map((o) => [o.target, o]));
  const perNode = (pick: (o: NodeOutput) => string) =>
    dictLines(nodes.map((t) => [t.target, pick(outputOf.get(t.target) ?? { target: t.target, stdout: '', stderr: '' }).trim()] as const));
  const component = latest(job.targets.map((t) => t.startedAt));
  const returned = latest(job.targets.map((t) => t.finishedAt));
  const roundtrip = roundtripTime(job);
  const execution = executionTime(job);
  const rows: [string, Cell][] = [
    ['ID', requestedId],
    ['JOB_ID', job.jobId],
    ['JOB_DEFINITION', dictLines(jobDefinition(job))],
    ['JOB_SHA3_224', job.sha],
    ['JOB_NAME', job.jobName ?? job.sha],
    ['PARENT_JOB_ID', job.parentId],
    ['PARENT_JOB_NAME', job.parentName ?? job.parentId],
    ['VERB', job.verb],
    ['COMPONENT_TIMESTAMP', component === null ? null : formatTimestamp(component)],
    ['INFO', dictLines(nodes.map((t) => [t.target, t.info ?? ''] as const))],
    ['PROCESSING', isProcessing(job) ? 'True' : 'False'],
    ['RETURN_TIMESTAMP', returned === null ? null : formatTimestamp(returned)],
    ['STDERR', perNode((o) => o.stderr)],
    ['STDOUT', perNode((o) => o.stdout)],
    ['ROUNDTRIP_TIME', roundtrip === null ? null : fixed8(roundtrip)],
    ['EXECUTION_TIME', execution === null ? null : fixed8(execution)],
    ['SUCCESS', succeededTargets(job).join('\n')],
    ['FAILED', failedTargets(job).join('\n')],
    ['SKIPPED', job.skippedReason],
    [
      'WAVE',
      waves.size ? dictLines(nodes.filter((t) => waves.has(t.target)).map((t) => [t.target, waves.get(t.target) ?? ''] as const)) : null,
    ],
  ];
  return renderKeyValue(rows);
}

/** `--purge-jobs` / `--purge-nodes`. */
export function renderPurged(): string {
  return renderKeyValue([['SUCCESS', true]]);
}

/** `--analyze-*`: the server computes the rows (spec 2.4 order); we only lay them out. */
export function renderAnalysis(rows: readonly AnalysisRow[]): string {
  return renderKeyValue(rows.map(([key, value]) => [key, value] as const));
}
