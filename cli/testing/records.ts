/** Builders of read-model records for tests. */
import type { JobRecord, TargetRecord } from '../../protocol/records.js';

export function targetRecord(target: string, state: TargetRecord['state'], extra: Partial<TargetRecord> = {}): TargetRecord {
  return {
    target,
    state,
    info: null,
    exitCode: state === 'succeeded' ? 0 : null,
    cached: false,
    queuedAt: 0,
    dispatchedAt: null,
    startedAt: null,
    finishedAt: null,
    executionTime: null,
    roundtripTime: null,
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
    ...extra,
  };
}

export function jobRecord(jobId: string, targets: TargetRecord[], extra: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    runId: 'run-1',
    parentId: jobId,
    parentName: null,
    parentSha: null,
    jobName: null,
    verb: 'RUN',
    sha: 'e3c85921073a42c0fbf8750f8b742b043ede1bbf2ba564004a1ecb77',
    text: 'echo hi',
    args: { no_block: false, retry: 1, command: 'echo hi' },
    timeout: 600,
    runOnce: false,
    skipCache: false,
    parentAsync: false,
    createdAt: 0,
    updatedAt: 0,
    skippedReason: null,
    targets,
    ...extra,
  };
}
