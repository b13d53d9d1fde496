import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobRecord, TargetRecord } from '../../protocol/records.js';
import { renderJobInfo, renderListJobs, renderListNodes, renderPurged, renderAnalysis } from './records.js';

process.env.TZ = 'UTC';

function agent(identity: string, expiresIn: number, hostUptimeS: number, agentUptimeMs: number, machineId: string, now: number): AgentInfo {
  return {
    identity,
    online: true,
    machineId,
    agentVersion: '0.12.0',
    facts: {
      hostname: identity,
      os: 'Linux',
      platform: 'linux',
      release: '6',
      arch: 'x64',
      cores: 2,
      memoryBytes: 1,
      nodeVersion: 'v20',
      hostUptimeS,
    },
    firstSeen: now,
    lastSeen: now,
    lastHeartbeat: 1000 + agentUptimeMs,
    expiresAt: now + expiresIn,
    agentStartedAt: 1000,
    running: 0,
    queued: 0,
    components: ['RUN'],
  };
}

test('--list-nodes layout (spec 2.4, observed)', () => {
  const now = 1_700_000_000_000;
  const text = renderListNodes(
    [
      agent('node1', 172_030, 4005.97, 90.804, '3d1219c7c4c5404aaa1f6d2a48adfda4', now),
      agent('node2', 172_070, 4006.01, 92.842, 'm2', now),
    ],
    now,
  );
  const expected = `ID     EXPIRY    VERSION    HOST_UPTIME     AGENT_UPTIME    MACHINE_ID                        DRIVER
-----  --------  ---------  --------------  --------------  --------------------------------  --------
node1  172.03    0.12.0     1:06:45.970000  0:00:00.090804  3d1219c7c4c5404aaa1f6d2a48adfda4  zeromq
node2  172.07    0.12.0     1:06:46.010000  0:00:00.092842  m2                                zeromq

Total Items: 2
Total EXPIRY: 344.10
`.replaceAll('zeromq', 'socketio');
  assert.equal(text, expected);
});

test('--list-nodes marks a node rebooting after a REBOOT job', () => {
  const now = 1_700_000_000_000;
  const text = renderListNodes([{ ...agent('node1', 600_000, 1, 1, 'm1', now), online: false, rebooting: true }], now);
  assert.match(text, /^node1 \(rebooting\)\s+600\.00\s/m);
});

function target(name: string, state: TargetRecord['state'], executionTime: number | null, extra: Partial<TargetRecord> = {}): TargetRecord {
  return {
    target: name,
    state,
    info: null,
    exitCode: 0,
    cached: false,
    queuedAt: 0,
    dispatchedAt: null,
    startedAt: null,
    finishedAt: null,
    executionTime,
    roundtripTime: null,
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
    ...extra,
  };
}

function job(
  jobId: string,
  parentId: string,
  parentName: string | null,
  targets: TargetRecord[],
  extra: Partial<JobRecord> = {},
): JobRecord {
  return {
    jobId,
    runId: 'run',
    parentId,
    parentName,
    parentSha: null,
    jobName: null,
    verb: 'RUN',
    sha: 'e3c85921073a42c0fbf8750f8b742b043ede1bbf2ba564004a1ecb77',
    text: 'echo hello world',
    args: { no_block: false, retry: 1, command: 'echo hello world' },
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

test('--list-jobs layout (spec 2.4, observed)', () => {
  const text = renderListJobs([
    job(
      '1994629e-4797-4b89-8b45-73be41c2a69b',
      'p1',
      'first parent',
      [target('node1', 'succeeded', 0.0133642), target('node2', 'succeeded', 0.0133642)],
      { createdAt: 1 },
    ),
    job('7fe9f50c-4b18-40c0-ae97-303e82e30f15', '419c6c34-8fed-45ec-9b94-d505fd8a5689', null, [target('node1', 'succeeded', 0.00192285)], {
      createdAt: 2,
    }),
  ]);
  assert.equal(
    text,
    `ID                                    PARENT_JOB_NAME                       VERB    EXECUTION_TIME    PROCESSING    SUCCESS    FAILED
------------------------------------  ------------------------------------  ------  ----------------  ------------  ---------  --------
1994629e-4797-4b89-8b45-73be41c2a69b  first parent                          RUN     0.01336420        False         2          0
7fe9f50c-4b18-40c0-ae97-303e82e30f15  419c6c34-8fed-45ec-9b94-d505fd8a5689  RUN     0.00192285        False         1          0

Total Items: 2
`,
  );
});

test('--list-jobs: processing, failures and missing times', () => {
  const text = renderListJobs([job('j1', 'p', null, [target('a', 'running', null), target('b', 'failed', 0.5)])]);
  assert.match(text, /^j1 +p +RUN +0\.50000000 +True +0 +1$/m);
  const none = renderListJobs([job('j2', 'p', null, [target('a', 'queued', null)])]);
  assert.match(none, /^j2 +p +RUN +0 +True +0 +0$/m);
});

// The spec's example shortens the long values (`e3c85921...`); here they are whole, so the
// VALUE column is as wide as `job_sha3_224 = <56 hex>` (71).
test('--job-info layout (spec 2.4, observed)', () => {
  const id = 'be1c5c2d-f753-473c-8e3a-29ccb6f0ef07';
  const at = Date.UTC(2026, 10, 24, 23, 18, 44);
  const t = (name: string) =>
    target(name, 'succeeded', 0.02560091, { info: 'echo hello world', startedAt: at, finishedAt: at + 100, roundtripTime: 0.06839347 });
  const text = renderJobInfo('last', job(id, id, null, [t('node2'), t('node1')]), [
    { target: 'node1', stdout: 'hello world\n', stderr: '' },
    { target: 'node2', stdout: 'hello world\n', stderr: '' },
  ]);
  const sha = 'e3c85921073a42c0fbf8750f8b742b043ede1bbf2ba564004a1ecb77';
  assert.equal(
    text,
    `KEY                  VALUE
-------------------  ${'-'.repeat(71)}
ID                   last
JOB_ID               ${id}
JOB_DEFINITION       verb = RUN
                     retry = 1
                     command = echo hello world
                     timeout = 600
                     job_sha3_224 = ${sha}
                     job_id = ${id}
                     parent_id = ${id}
JOB_SHA3_224         ${sha}
JOB_NAME             ${sha}
PARENT_JOB_ID        ${id}
PARENT_JOB_NAME      ${id}
VERB                 RUN
COMPONENT_TIMESTAMP  2026-11-24 23:18:44
INFO                 node1 = echo hello world
                     node2 = echo hello world
PROCESSING           False
RETURN_TIMESTAMP     2026-11-24 23:18:44
STDERR
STDOUT               node1 = hello world
                     node2 = hello world
ROUNDTRIP_TIME       0.06839347
EXECUTION_TIME       0.02560091
SUCCESS              node1
                     node2
FAILED

Total Items: 18
`,
  );
});

test('purge and analyze are KEY/VALUE reports', () => {
  assert.equal(renderPurged(), 'KEY      VALUE\n-------  -------\nSUCCESS  True\n\nTotal Items: 1\n');
  assert.equal(
    renderAnalysis([
      ['ID', 'All-Jobs'],
      ['TOTAL_JOBS', 2],
    ]),
    'KEY         VALUE\n----------  --------\nID          All-Jobs\nTOTAL_JOBS  2\n\nTotal Items: 2\n',
  );
});
