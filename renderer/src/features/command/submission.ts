/** The submission of one ad-hoc command (pure): a RUN on exactly the hosts shown, never from the cache. */
import type { RunSubmission } from '#protocol/jobs.js';

export function commandSubmission(command: string, hosts: readonly string[]): RunSubmission {
  return {
    kind: 'exec',
    entries: [{ jobs: [{ verb: 'RUN', text: command }] }],
    targets: [...hosts],
    // An ad-hoc command is asked for to see its output now; a cached "already ran" would hide it.
    ignoreCache: true,
    requestedBy: 'console',
  };
}
