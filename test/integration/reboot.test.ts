/**
 * REBOOT end to end (spec 1.8, 4.17) with a stand-in `systemctl` (never the real one): the job
 * succeeds at once, the stand-in "reboots" by killing the agent process, and the server shows the
 * node as rebooting — in `agents:list`, the console's data, and `manage --list-nodes` — instead of
 * expiring it and marking its work lost; a job sent meanwhile waits, and runs once a new agent
 * process (the rebooted machine) says hello, which ends the rebooting state.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, eventually, req, sleep } from './harness.js';

const HEARTBEAT_MS = 400;

describe('REBOOT: the node is rebooting, not lost (real server, agent process, stand-in systemctl)', { timeout: 120_000 }, () => {
  let c: Cluster;
  let bin: string;
  before(
    async () => {
      c = await Cluster.start({ agents: ['rb1'], inProcess: { heartbeatIntervalMs: HEARTBEAT_MS } });
      bin = join(c.dataDir, 'stand-in-bin');
      mkdirSync(bin);
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  const node = async () => (await req(c.ui, 'agents:list')).find((a) => a.identity === 'rb1');
  /** Submits one job to rb1 and waits until it settled. */
  async function exec(verb: string, text: string) {
    const sent = await req(c.ui, 'runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb, text }] }], targets: ['rb1'] });
    const jobId = sent.jobs[0]?.jobId ?? 'missing';
    const [job] = await c.await([jobId]);
    assert.equal(job?.targets[0]?.state, 'succeeded', `${verb} ${text}: ${JSON.stringify(job?.targets[0])}`);
    return { jobId, stdout: (await c.output(jobId, 'rb1')).stdout };
  }

  test('REBOOT succeeds, the agent goes away, stays "rebooting" past its expiry, and comes back', async () => {
    const first = c.agent('rb1');
    // The stand-in logs its argv and "reboots" this machine: it kills the agent process.
    const log = join(bin, 'systemctl.log');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${log}\nkill -9 ${first.pid}\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    await exec('ENV', `PATH ${bin}:/usr/bin:/bin`);
    const which = await exec('RUN', '--skip-cache command -v systemctl');
    assert.equal(which.stdout, `${bin}/systemctl\n`, 'only the stand-in may run');

    const reboot = await exec('REBOOT', '1');
    assert.equal(reboot.stdout, 'Reboot scheduled in 1 seconds\n');
    const rebootId = reboot.jobId;
    await first.exited(15_000);
    assert.equal(readFileSync(log, 'utf8'), 'systemctl --message=Directord reboot instruction reboot\n');

    const away = await eventually('rb1 offline and rebooting', async () => {
      const a = await node();
      return a && !a.online && a.rebooting ? a : undefined;
    });
    assert.ok(away.expiresAt > Date.now() + 60_000, 'the reboot window, not the heartbeat expiry');

    // A job sent while it is away waits for it.
    const sent = await req(c.ui, 'runs:submit', {
      kind: 'exec',
      entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo back after reboot' }] }],
      targets: ['rb1'],
    });
    const waitingId = sent.jobs[0]?.jobId ?? 'missing';

    // Many heartbeat expiries later: still rebooting, nothing lost.
    await sleep(HEARTBEAT_MS * 8);
    const still = await node();
    assert.deepEqual([still?.online, still?.rebooting], [false, true]);
    const [rebootJob, waiting] = await req(c.ui, 'jobs:list', {}).then((jobs) => [
      jobs.find((j) => j.jobId === rebootId),
      jobs.find((j) => j.jobId === waitingId),
    ]);
    assert.equal(rebootJob?.targets[0]?.state, 'succeeded');
    assert.equal(waiting?.targets[0]?.state, 'queued', 'the job waits for the node, it is not lost');
    const nodes = await c.cli('manage', '--list-nodes');
    assert.equal(nodes.code, 0, describeRun(nodes));
    assert.match(nodes.stdout, /^rb1 \(rebooting\)\s+\d+\.\d\d\s/m, describeRun(nodes));

    // The machine is back: a new agent process on the same cache dir.
    await c.startAgent('rb1', { cacheDir: first.cacheDir });
    const back = await eventually('rb1 online again', async () => {
      const a = await node();
      return a?.online && !a.rebooting ? a : undefined;
    });
    assert.ok(back.expiresAt < Date.now() + HEARTBEAT_MS * 4, 'normal heartbeat expiry again');
    const [done] = await c.await([waitingId]);
    assert.equal(done?.targets[0]?.state, 'succeeded');
    assert.equal((await c.output(waitingId, 'rb1')).stdout, 'back after reboot\n');
    const listed = await c.cli('manage', '--list-nodes');
    assert.match(listed.stdout, /^rb1\s+\d/m);
    assert.doesNotMatch(listed.stdout, /rebooting/);
  });
});
