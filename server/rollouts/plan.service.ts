/**
 * A plan (dry run, issue #17): the submission is parsed and its targets resolved as for a real
 * run, its rollout waves cut, and every online host asked (read-only `cache:query`) which job
 * SHAs it holds a result for. Nothing is stored or dispatched.
 */
import type { Component } from '../../components/define.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import type { PlanCell, PlanHost, PlanStep, PlanWaves, RunPlan } from '../../protocol/plan.js';
import { ok, type Result } from '../../protocol/result.js';
import type { AgentLink } from '../jobs/agent-link.js';
import type { Plan } from '../jobs/submit.plan.js';
import { rolloutSpec } from './waves.js';

export type PlanDeps = Readonly<{
  preview: (submission: RunSubmission, now: number) => Result<Plan>;
  link: Pick<AgentLink, 'isOnline' | 'cacheQuery'>;
  lookup: (verb: string) => Component | undefined;
  clock: () => number;
}>;

export async function planRun(submission: RunSubmission, deps: PlanDeps): Promise<Result<RunPlan>> {
  const planned = deps.preview(submission, deps.clock());
  if (!planned.ok) return planned;
  const jobs = planned.value.jobs;
  const steps: PlanStep[] = [];
  const entryOf: number[] = [];
  let at = 0;
  const waves: PlanWaves[] = [];
  for (const [e, entry] of submission.entries.entries()) {
    const mine = jobs.slice(at, at + entry.jobs.length);
    at += entry.jobs.length;
    for (const [j, p] of mine.entries()) {
      entryOf.push(e);
      steps.push({
        entry: e,
        entryName: entry.name ?? null,
        verb: p.job.verb,
        text: p.text,
        name: entry.jobs[j]?.name ?? null,
        sha: p.job.sha,
        runOnce: p.runOnce,
        skipCache: p.job.skipCache,
      });
    }
    const hosts = [...new Set(mine.flatMap((p) => p.targets.filter((t) => t.state === 'queued').map((t) => t.target)))];
    // Shuffled waves are drawn again at submit: the plan shows one possible draw.
    const spec = rolloutSpec(entry, hosts, submission.concurrency, Math.random);
    if (spec) waves.push({ entry: e, name: entry.name ?? null, mode: spec.mode, waves: spec.waves, shuffled: entry.order === 'shuffle' });
  }
  // Every host named by any job, in first-seen order (run-once jobs list only their one host).
  const hosts: string[] = [];
  const seen = new Set<string>();
  const runOnceHosts = new Map<number, Set<string>>();
  for (const [i, p] of jobs.entries()) {
    for (const t of p.targets) {
      if (seen.has(t.target)) continue;
      seen.add(t.target);
      hosts.push(t.target);
    }
    if (p.runOnce) runOnceHosts.set(i, new Set(p.targets.map((t) => t.target)));
  }
  const entryHosts = submission.entries.map(
    (_, e) => new Set(jobs.filter((_, i) => entryOf[i] === e).flatMap((p) => p.targets.map((t) => t.target))),
  );
  const answers = await Promise.all(
    hosts.map(async (host) => {
      if (!deps.link.isOnline(host) || !deps.link.cacheQuery) return null;
      const shas = [...new Set(jobs.filter((p) => p.targets.some((t) => t.target === host)).map((p) => p.job.sha))];
      const r = await deps.link.cacheQuery(host, shas);
      return r.ok ? r.value.states : null;
    }),
  );
  const out: PlanHost[] = hosts.map((host, h) => {
    const online = deps.link.isOnline(host);
    const states = answers[h];
    const cells = jobs.map((p, i): PlanCell => {
      if (p.skippedReason) return 'skipped';
      const target = p.targets.find((t) => t.target === host);
      if (!target) return runOnceHosts.has(i) && entryHosts[entryOf[i] ?? -1]?.has(host) ? 'run-once-done' : 'not-targeted';
      if (!online || target.state === 'failed') return 'host-offline';
      const cacheable = deps.lookup(p.job.verb)?.cacheable === true;
      if (cacheable && !p.job.skipCache && states?.[p.job.sha] === 'succeeded') return 'cached';
      return 'will-run';
    });
    return { host, online, cells };
  });
  return ok({ steps, hosts: out, waves });
}
