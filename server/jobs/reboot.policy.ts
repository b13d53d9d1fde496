/**
 * REBOOT (spec 1.8): once a REBOOT job succeeded on a node, the node goes away within the job's
 * `--time` seconds and is inactive until it comes back, not lost. This listener tells presence so
 * when the target becomes final; presence then keeps the node's heartbeat from expiring.
 */
import type { FinalListener } from './jobs.state.js';

export type RebootFencing = Readonly<{ rebootStarted(identity: string, delaySeconds: number): void }>;

/** The REBOOT verb's default delay (components/builtin/REBOOT.ts `--time`). */
const DEFAULT_DELAY_SECONDS = 10;

export function rebootPolicy(presence: RebootFencing): FinalListener {
  return (t, job) => {
    if (job?.dispatched.verb !== 'REBOOT' || t.state !== 'succeeded') return;
    presence.rebootStarted(t.target, Number(job.dispatched.args.time ?? DEFAULT_DELAY_SECONDS) || 0);
  };
}
