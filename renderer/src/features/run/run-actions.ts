/**
 * What Re-run, Re-run failed hosts and Cancel run will do to the run shown, counted from its
 * (job, host) states, so each asks a question that names it (pure, tested). "Failed" follows the
 * server's re-run plan (server/jobs/rerun.plan.ts): every pair that did not succeed.
 */
import { isFinalState, type TargetState } from '#protocol/jobs.js';
import type { ConfirmRequest } from '../../lib/confirm.svelte.js';
import { plural } from '../../lib/util/format.js';

/** A run's (job, host) pairs: the jobs in order, and each pair's state. */
export type RunPairs = Readonly<{
  jobs: readonly string[];
  hosts: readonly string[];
  state: (host: string, jobId: string) => TargetState | undefined;
}>;

type Scope = { steps: number; hosts: string[]; pairs: number };

function scope(run: RunPairs, keep: (state: TargetState) => boolean): Scope {
  const steps = new Set<string>();
  const hosts = new Set<string>();
  let pairs = 0;
  for (const jobId of run.jobs) {
    for (const host of run.hosts) {
      const state = run.state(host, jobId);
      if (state === undefined || !keep(state)) continue;
      steps.add(jobId);
      hosts.add(host);
      pairs++;
    }
  }
  return { steps: steps.size, hosts: run.hosts.filter((h) => hosts.has(h)), pairs };
}

const onHosts = (hosts: readonly string[]) => (hosts.length === 1 ? `on ${hosts[0]}` : `on ${plural(hosts.length, 'host')}`);

export function rerunQuestion(run: RunPairs, name: string): ConfirmRequest {
  const all = scope(run, () => true);
  return {
    title: `Re-run ${plural(all.steps, 'step')} ${onHosts(all.hosts)}?`,
    detail: `Every step of ${name} runs again, as a new run, on the hosts it ran on.`,
    confirmLabel: 'Re-run',
    hosts: all.hosts,
  };
}

/** Null when every pair succeeded (nothing to re-run). */
export function rerunFailedQuestion(run: RunPairs, name: string): ConfirmRequest | null {
  const failed = scope(run, (s) => s !== 'succeeded');
  if (failed.pairs === 0) return null;
  return {
    title: `Re-run ${plural(failed.steps, 'failed step')} ${onHosts(failed.hosts)}?`,
    detail: `Only the steps of ${name} that did not succeed run again, each only on the hosts where it did not succeed; steps that succeeded are not repeated.`,
    confirmLabel: 'Re-run failed',
    hosts: failed.hosts,
  };
}

/** Null when nothing is left to cancel. */
export function cancelQuestion(run: RunPairs, name: string): ConfirmRequest | null {
  const open = scope(run, (s) => !isFinalState(s));
  if (open.pairs === 0) return null;
  return {
    title: `Cancel ${plural(open.pairs, 'job')} ${onHosts(open.hosts)}?`,
    detail: `The queued and running jobs of ${name} stop; what already finished stays as it is.`,
    confirmLabel: 'Cancel run',
    cancelLabel: 'Keep running',
    danger: true,
    hosts: open.hosts,
  };
}
