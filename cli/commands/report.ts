/**
 * Submits runs and reports on them the Directord way (spec 2.4): without a mode, one
 * `Job received. Task ID: <id>` line per job; with --poll/--wait/--stream, one `jobs:await`
 * request for every job, then one status line per job in submission order.
 * Exit code: 1 when any job failed (Directord's rule); with --check also when a job did not
 * settle in time, after printing `FAILED JOBS` and the ids.
 */
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { JobOutput, JobRecord } from '../../protocol/records.js';
import { formatWireError } from '../../protocol/result.js';
import { connectUi, REQUEST_TIMEOUT_MS, type UiClient } from '../connection.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { discoverServer } from '../discovery.js';
import { CliError, EXIT } from '../errors.js';
import { failedJobsBlock, jobOutcome, Spinner, statusLine, streamBlock, unsettled, type NodeOutput } from '../format/poll.js';
import { line, write } from '../output.js';
import type { Uploads } from '../transfer.js';

export type ReportMode = 'none' | 'poll' | 'wait' | 'stream';

export type ReportOptions = Readonly<{ poll?: boolean; wait?: boolean; stream?: boolean; check?: boolean; timeoutPoll: number }>;

export function reportMode(options: ReportOptions): ReportMode {
  if (options.wait) return 'wait';
  if (options.stream) return 'stream';
  if (options.poll || options.check) return 'poll';
  return 'none';
}

/** Wire error codes that mean the user's input was wrong (exit 2) rather than a failure (exit 1). */
const INPUT_ERRORS = new Set(['invalid-job', 'unknown-verb', 'unknown-option', 'unknown-target', 'invalid-payload']);

async function submit(client: UiClient, submission: RunSubmission): Promise<RunSubmitted> {
  const result = await client.request('runs:submit', REQUEST_TIMEOUT_MS, submission);
  if (result.ok) return result.value;
  let message = formatWireError(result.error);
  if (result.error.code === 'unknown-verb' && !/known verbs/i.test(message)) {
    const info = await client.request('server:info', REQUEST_TIMEOUT_MS);
    if (info.ok) message += `\nKnown verbs: ${[...new Set(info.value.components.map((c) => c.verb))].sort().join(', ')}`;
  }
  throw new CliError(message, INPUT_ERRORS.has(result.error.code) ? EXIT.usage : EXIT.failure);
}

async function outputsOf(client: UiClient, job: JobRecord | undefined): Promise<NodeOutput[]> {
  if (!job) return [];
  return Promise.all(
    job.targets.map(async (t): Promise<NodeOutput> => {
      const r = await client.request('jobs:output', REQUEST_TIMEOUT_MS, { jobId: job.jobId, target: t.target });
      const out: JobOutput | null = r.ok ? r.value : null;
      return { target: t.target, stdout: out?.stdout ?? '', stderr: out?.stderr ?? '' };
    }),
  );
}

/** Connects, submits every run in order, and reports. Resolves to the exit code. */
export async function submitAndReport(
  submissions: readonly RunSubmission[],
  options: ReportOptions,
  ctx: CliContext,
  uploads?: Uploads,
): Promise<number> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const endpoint = discoverServer(dataDirOf(ctx));
  const client = await connectUi(endpoint);
  ctx.log.debug('connected', { url: endpoint.url, ms: ms(), sinceProcessStart: Math.round(performance.now()) });
  try {
    if (uploads?.size) {
      // Loaded only here: it parses job strings, which brings the components and TypeBox.
      const { uploadBlobs } = await import('../transfer.js');
      await uploadBlobs(client, uploads);
      ctx.log.debug('files uploaded', { blobs: uploads.size, ms: ms() });
    }
    const jobIds: string[] = [];
    const runIds: string[] = [];
    for (const submission of submissions) {
      try {
        const submitted = await submit(client, submission);
        if (submitted.rollout) runIds.push(submitted.runId);
        line(`Run: ${submitted.runId}`);
        for (const job of submitted.jobs) jobIds.push(job.jobId);
      } catch (error) {
        // Earlier files were accepted and run: say so before the error, so they can be followed.
        for (const id of jobIds) line(`Job received. Task ID: ${id}`);
        throw error;
      }
    }
    ctx.log.debug('submitted', { jobs: jobIds.length, ms: ms() });
    const mode = reportMode(options);
    if (mode === 'none') {
      for (const id of jobIds) line(`Job received. Task ID: ${id}`);
      return EXIT.ok;
    }
    // Waves print as they start and end; a halted rollout ends the poll (issue #17).
    if (runIds.length) {
      const { followRollouts } = await import('./follow-rollout.js');
      if (await followRollouts(client, runIds, options.timeoutPoll * 1000)) return EXIT.failure;
    }
    const code = await report(client, jobIds, mode, options);
    ctx.log.debug('reported', { ms: ms(), sinceProcessStart: Math.round(performance.now()) });
    return code;
  } finally {
    client.close();
  }
}

async function report(client: UiClient, jobIds: readonly string[], mode: ReportMode, options: ReportOptions): Promise<number> {
  const spinner = mode === 'wait' ? new Spinner() : null;
  spinner?.start();
  const timeoutMs = Math.round(options.timeoutPoll * 1000);
  const awaited = await client.request('jobs:await', timeoutMs + REQUEST_TIMEOUT_MS, { jobIds: [...jobIds], timeoutMs });
  // `not-found`: none of the jobs has a record; each is then "in an unknown state".
  if (!awaited.ok && awaited.error.code !== 'not-found') {
    spinner?.done();
    throw new CliError(`Waiting for jobs failed: ${formatWireError(awaited.error)}`);
  }
  const byId = new Map((awaited.ok ? awaited.value : []).map((job) => [job.jobId, job]));
  // Ask for every output at once; print them in submission order.
  const outputs = mode === 'stream' ? jobIds.map((id) => outputsOf(client, byId.get(id))) : [];
  let degraded = false;
  const failed: string[] = [];
  for (const [i, id] of jobIds.entries()) {
    const job = byId.get(id);
    const outcome = jobOutcome(job);
    if (outcome === 'degraded') degraded = true;
    if (outcome === 'degraded' || (options.check && unsettled(job))) failed.push(id);
    if (mode === 'stream') write(streamBlock(await (outputs[i] ?? Promise.resolve([]))));
    if (spinner) spinner.print(statusLine(outcome, id));
    else line(statusLine(outcome, id));
  }
  spinner?.done();
  if (options.check) {
    write(failedJobsBlock(failed));
    return failed.length ? EXIT.failure : EXIT.ok;
  }
  return degraded ? EXIT.failure : EXIT.ok;
}
