/**
 * QUERY coordination (spec 4.10) on the server. A QUERY job goes to every online agent; each
 * answers `{"ARGNAME": value}` on the first line of its stdout (while the targeted ones keep
 * running). Once every asked node has answered, the server sends an internal `ARG --extend-args
 * query {node: {ARGNAME: value}}` job to every online agent (own run, skip-cache, bypassing the
 * agents' queues); the waiting QUERY jobs see the answers land in their args cache and finish.
 * When a node fails (or is lost) before answering, the waiting nodes are cancelled instead of
 * waiting for their timeout. The coordination lives in memory: a server restart in the middle
 * leaves the waiting QUERY jobs to their --timeout.
 */
import type { Logger } from '../../protocol/log.js';
import { objectSha3_224 } from '../../components/sha.js';
import type { AgentLink } from './agent-link.js';
import type { JobsService } from './jobs.service.js';
import type { JobsState } from './jobs.state.js';
import type { LiveJob, LiveTarget } from './live.js';

type Pending = {
  readonly jobId: string;
  /** The QUERY job's run: the internal ARG run is part of it (History nests it there). */
  readonly runId: string;
  readonly name: string;
  readonly nodes: readonly string[];
  readonly waiting: readonly string[];
  readonly answers: Map<string, unknown>;
  readonly buffers: Map<string, string>;
  done: boolean;
};

const MAX_ANSWER_BYTES = 1024 * 1024;

export type QueryCoordinator = ReturnType<typeof createQueryCoordinator>;

export function createQueryCoordinator(deps: Readonly<{ state: JobsState; link: AgentLink; jobs: () => JobsService; log: Logger }>) {
  const { state, log } = deps;
  const pending = new Map<string, Pending>();

  function pendingOf(jobId: string, known?: LiveJob): Pending | null {
    const existing = pending.get(jobId);
    if (existing) return existing;
    const job = known ?? state.openJob(jobId);
    if (!job || job.dispatched.verb !== 'QUERY') return null;
    const args = job.dispatched.args;
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    const p: Pending = {
      jobId,
      runId: job.runId,
      name: typeof args.query === 'string' ? args.query : '',
      nodes: strings(args.query_nodes),
      waiting: args.no_wait === true ? [] : strings(args.query_targets),
      answers: new Map(),
      buffers: new Map(),
      done: false,
    };
    pending.set(jobId, p);
    return p;
  }

  async function sendArg(p: Pending): Promise<void> {
    const query: Record<string, Record<string, unknown>> = {};
    for (const node of p.nodes) query[node] = { [p.name]: p.answers.get(node) ?? null };
    const fields = { extend_args: true, args: { query } };
    const sha = objectSha3_224({ verb: 'ARG', ...fields, timeout: 600, run_once: false });
    const sent = await deps.jobs().submitInternal({
      verb: 'ARG',
      args: { ...fields, parent_async_bypass: true },
      sha,
      text: `--extend-args query ${JSON.stringify(query)}`,
      targets: deps.link.onlineIdentities(),
      source: `QUERY ${p.jobId}`,
      partOf: p.runId,
    });
    if (!sent.ok) fail(p, `the query results could not be sent: ${sent.error.message}`);
    else log.debug('query results sent', { queryJob: p.jobId, argJob: sent.value.jobs[0]?.jobId, nodes: p.nodes.length });
  }

  function fail(p: Pending, why: string): void {
    if (p.done) return;
    p.done = true;
    log.warn('QUERY failed; cancelling the nodes waiting for its results', { jobId: p.jobId, why });
    setImmediate(() => {
      const job = state.openJob(p.jobId);
      if (!job) return;
      for (const node of p.waiting) {
        const t = job.targets.get(node);
        if (t && (t.state === 'dispatched' || t.state === 'running')) deps.link.cancel(node, [p.jobId]);
      }
    });
  }

  function check(p: Pending): void {
    if (p.done || !p.nodes.every((node) => p.answers.has(node))) return;
    p.done = true;
    // After this turn's commit: the internal ARG is its own submission.
    setImmediate(() => void sendArg(p));
  }

  return {
    /** Stdout of a QUERY target: its first line is the answer. */
    output(t: LiveTarget, stream: 'stdout' | 'stderr', data: string): void {
      if (stream !== 'stdout') return;
      const p = pendingOf(t.jobId);
      if (!p || p.done || p.answers.has(t.target)) return;
      const buffer = (p.buffers.get(t.target) ?? '') + data;
      const newline = buffer.indexOf('\n');
      if (newline < 0) {
        if (buffer.length > MAX_ANSWER_BYTES) fail(p, `${t.target} answered with more than ${MAX_ANSWER_BYTES} bytes`);
        else p.buffers.set(t.target, buffer);
        return;
      }
      p.buffers.delete(t.target);
      let answer: unknown;
      try {
        const parsed = JSON.parse(buffer.slice(0, newline)) as unknown;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
        answer = (parsed as Record<string, unknown>)[p.name] ?? null;
      } catch (error) {
        fail(p, `${t.target} answered with something other than {"${p.name}": value}: ${String(error)}`);
        return;
      }
      p.answers.set(t.target, answer);
      check(p);
    },
    /** A QUERY target became final. */
    final(t: LiveTarget, job: LiveJob | undefined): void {
      if (job?.dispatched.verb !== 'QUERY') return;
      const p = pendingOf(t.jobId, job);
      if (!p) return;
      if (!p.done && (t.state !== 'succeeded' || !p.answers.has(t.target)) && p.nodes.includes(t.target)) {
        fail(p, `${t.target} ${t.state}${t.info ? `: ${t.info}` : ''} without answering`);
      }
      if (!state.isOpen(t.jobId)) pending.delete(t.jobId);
    },
    pendingCount: () => pending.size,
  };
}
