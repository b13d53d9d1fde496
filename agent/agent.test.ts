import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger, silentLogger } from '../protocol/log.js';
import { AgentCache } from './cache/agent-cache.js';
import { PROTOCOL_VERSION, TRUNCATION_MARKER } from '../protocol/version.js';
import { startAgent, type AgentOptions, type RunningAgent } from './index.js';
import { FakeServer, makeJob } from './testing/fake-server.js';

const root = mkdtempSync(join(tmpdir(), 'dd-agent-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

type Setup = { server: FakeServer; agent: RunningAgent; cacheDir: string; cleanup(): Promise<void> };

async function setup(extra: Partial<AgentOptions> = {}): Promise<Setup> {
  const server = await FakeServer.start();
  const cacheDir = extra.cacheDir ?? join(root, `agent-${++dirs}`);
  const agent = await startAgent({
    serverUrl: server.url,
    key: server.key,
    identity: 'node1',
    cacheDir,
    log: silentLogger,
    machineId: 'machine-1',
    ...extra,
  });
  await agent.whenConnected();
  return {
    server,
    agent,
    cacheDir,
    async cleanup() {
      await agent.close();
      await server.stop();
    },
  };
}

function processesMatching(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ').includes(needle)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

describe('agent', { timeout: 60_000 }, () => {
  test('says hello with protocol version, identity, machine id, facts and component manifests', async () => {
    const s = await setup();
    try {
      const hello = s.server.hellos[0];
      assert.ok(hello);
      assert.equal(hello.protocolVersion, PROTOCOL_VERSION);
      assert.equal(hello.identity, 'node1');
      assert.equal(hello.machineId, 'machine-1');
      assert.ok(hello.facts.cores > 0 && hello.facts.hostname.length > 0);
      const run = hello.components.find((c) => c.verb === 'RUN');
      assert.ok(run && run.cacheable && !run.requiresLock);
      assert.equal(typeof run.args, 'object');
      assert.deepEqual(hello.activeJobs, []);
      assert.equal(s.agent.stats().connected, true);
      await s.server.waitFor(() => s.server.heartbeats > 0, 3000, 'a heartbeat');
    } finally {
      await s.cleanup();
    }
  });

  test('a RUN job streams stdout and stderr separately, live and in order', async () => {
    const s = await setup();
    try {
      const job = makeJob({ command: 'echo a; echo b >&2; sleep 0.4; echo c; echo d >&2' });
      assert.deepEqual(await s.server.dispatch([job]), { ok: true, value: { accepted: 1 } });
      let firstOutputAt = 0;
      await s.server.waitFor(() => {
        if (!firstOutputAt && s.server.outputEvents(job.jobId).length) firstOutputAt = Date.now();
        return s.server.finished(job.jobId).length > 0;
      });
      const finishedAt = Date.now();
      assert.ok(finishedAt - firstOutputAt >= 250, 'first output arrived before the command ended');
      assert.equal(s.server.output(job.jobId, 'stdout'), 'a\nc\n');
      assert.equal(s.server.output(job.jobId, 'stderr'), 'b\nd\n');
      const events = s.server.events.filter((e) => e.jobId === job.jobId);
      assert.equal(events[0]?.type, 'started');
      assert.equal(events.at(-1)?.type, 'finished');
      const fin = s.server.finished(job.jobId)[0];
      assert.ok(fin);
      assert.equal(fin.outcome, 'succeeded');
      assert.equal(fin.exitCode, 0);
      assert.equal(fin.info, job.args.command);
      const outs = s.server.outputEvents(job.jobId);
      assert.equal(fin.stdoutChunks, outs.filter((e) => e.stream === 'stdout').length);
      assert.equal(fin.stderrChunks, outs.filter((e) => e.stream === 'stderr').length);
      assert.ok(fin.executionTime >= 0.4 && fin.executionTime < 5);
    } finally {
      await s.cleanup();
    }
  });

  test('--timeout kills the whole process group and reports timed-out promptly', async () => {
    const s = await setup();
    try {
      const job = makeJob({ command: "sh -c 'sleep 30.61 & sleep 30.61'", timeout: 1 });
      const sent = Date.now();
      await s.server.dispatch([job]);
      await s.server.waitFinished([job.jobId], 5000);
      const fin = s.server.finished(job.jobId)[0];
      assert.equal(fin?.outcome, 'timed-out');
      assert.ok(Date.now() - sent < 1000 + 2000, 'reported within 2 s of the limit');
      assert.match(s.server.output(job.jobId, 'stderr'), /Timeout encountered after 1 s/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(processesMatching('sleep 30.61'), []);
    } finally {
      await s.cleanup();
    }
  });

  test('a repeated job is a cache hit; --skip-cache runs it again', async () => {
    const s = await setup();
    try {
      const first = makeJob({ command: 'echo cached' });
      const again = { ...makeJob(), sha: first.sha, args: first.args };
      const forced = { ...makeJob(), sha: first.sha, args: first.args, skipCache: true };
      await s.server.dispatch([first, again, forced]);
      await s.server.waitFinished([first.jobId, again.jobId, forced.jobId]);
      assert.equal(s.server.finished(first.jobId)[0]?.cached, undefined);
      const hit = s.server.finished(again.jobId)[0];
      assert.equal(hit?.cached, true);
      assert.equal(hit?.info, 'task skipped');
      assert.equal(hit?.executionTime, 0);
      assert.equal(hit?.outcome, 'succeeded');
      assert.equal(s.server.output(again.jobId, 'stdout'), '');
      assert.equal(s.server.finished(forced.jobId)[0]?.cached, undefined);
      assert.equal(s.server.output(forced.jobId, 'stdout'), 'cached\n');
    } finally {
      await s.cleanup();
    }
  });

  test('async parents run concurrently; general jobs run one at a time', async () => {
    const s = await setup();
    try {
      // Overlap by a barrier, not a stopwatch: each marks itself and waits for the other's mark.
      const barrier = mkdtempSync(join(root, 'barrier-'));
      const meet = (me: string, other: string) =>
        `: > ${barrier}/${me}; n=0; while [ $n -lt 400 ]; do [ -e ${barrier}/${other} ] && { echo met; exit 0; }; sleep 0.05; n=$((n+1)); done; echo alone`;
      const a = makeJob({ command: meet('a', 'b'), parentAsync: true });
      const b = makeJob({ command: meet('b', 'a'), parentAsync: true });
      await s.server.dispatch([a, b]);
      await s.server.waitFinished([a.jobId, b.jobId]);
      assert.deepEqual(
        [s.server.output(a.jobId, 'stdout'), s.server.output(b.jobId, 'stdout')],
        ['met\n', 'met\n'],
        'async jobs overlapped',
      );

      const g1 = makeJob({ command: 'sleep 0.4; echo one' });
      const g2 = makeJob({ command: 'echo two' });
      await s.server.dispatch([g1, g2]);
      await s.server.waitFinished([g1.jobId, g2.jobId]);
      const f1 = s.server.finished(g1.jobId)[0];
      const started2 = s.server.events.find((e) => e.type === 'started' && e.jobId === g2.jobId);
      assert.ok(f1 && started2 && started2.type === 'started');
      assert.ok(started2.at >= f1.finishedAt, 'the second general job started after the first finished');
    } finally {
      await s.cleanup();
    }
  });

  test('results produced while the server is down arrive after it returns, exactly once', async () => {
    const s = await setup();
    try {
      const marker = join(s.cacheDir, 'ran.txt');
      const job = makeJob({ command: `sleep 0.5; echo ran >> ${marker}; echo done` });
      await s.server.dispatch([job]);
      await s.server.stop();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.equal(s.server.finished(job.jobId).length, 0);
      assert.ok(s.agent.stats().outboxPending > 0);
      await s.server.listen();
      await s.server.waitFinished([job.jobId], 20_000);
      assert.equal(s.server.output(job.jobId, 'stdout'), 'done\n');
      // A re-dispatch after the reconnect must not run the job again.
      assert.deepEqual(await s.server.dispatch([job]), { ok: true, value: { accepted: 0 } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(s.server.finished(job.jobId).length, 1);
      // 'started' may arrive twice (its batch was in flight when the server went away; the server
      // dedupes), but the job ran once.
      assert.equal(readFileSync(marker, 'utf8'), 'ran\n');
      assert.equal(s.agent.stats().outboxPending, 0);
    } finally {
      await s.cleanup();
    }
  });

  test('a restarted agent keeps its args cache and job states', async () => {
    const s = await setup();
    let second: RunningAgent | undefined;
    try {
      const arg = makeJob({ verb: 'ARG', args: { args: { greeting: 'hi there' } } });
      const run = makeJob({ command: 'echo once' });
      await s.server.dispatch([arg, run]);
      await s.server.waitFinished([arg.jobId, run.jobId]);
      assert.equal(s.server.finished(arg.jobId)[0]?.outcome, 'succeeded');
      await s.agent.close();
      second = await startAgent({ serverUrl: s.server.url, key: s.server.key, identity: 'node1', cacheDir: s.cacheDir, log: silentLogger });
      await second.whenConnected();
      const templated = makeJob({ command: 'echo {{ greeting }}' });
      const repeat = { ...makeJob(), sha: run.sha, args: run.args };
      await s.server.dispatch([templated, repeat]);
      await s.server.waitFinished([templated.jobId, repeat.jobId]);
      assert.equal(s.server.output(templated.jobId, 'stdout'), 'hi there\n');
      assert.equal(s.server.finished(repeat.jobId)[0]?.cached, true);
    } finally {
      await second?.close();
      await s.cleanup();
    }
  });

  test('a failed parent refuses its later jobs, even those already queued', async () => {
    const s = await setup();
    try {
      const parentId = 'parent-fails';
      const bad = makeJob({ parentId, command: 'exit 3' });
      const later1 = makeJob({ parentId, command: 'echo should-not-run' });
      const later2 = makeJob({ parentId, command: 'echo should-not-run' });
      const other = makeJob({ command: 'echo other parent' });
      await s.server.dispatch([bad, later1, later2, other]);
      await s.server.waitFinished([bad.jobId, later1.jobId, later2.jobId, other.jobId]);
      assert.equal(s.server.finished(bad.jobId)[0]?.outcome, 'failed');
      assert.equal(s.server.finished(bad.jobId)[0]?.exitCode, 3);
      for (const j of [later1, later2]) {
        const fin = s.server.finished(j.jobId)[0];
        assert.equal(fin?.outcome, 'failed');
        assert.equal(
          fin?.info,
          `Job [ ${j.jobId} ] was not allowed to run because there was a failure under this parent ID [ ${parentId} ]`,
        );
        assert.equal(s.server.output(j.jobId, 'stdout'), '');
      }
      assert.equal(s.server.finished(other.jobId)[0]?.outcome, 'succeeded');
    } finally {
      await s.cleanup();
    }
  });

  test('output beyond the cap is truncated with the marker', async () => {
    const s = await setup({ outputCapBytes: 1000 });
    try {
      const job = makeJob({
        command: "i=0; while [ $i -lt 100 ]; do echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; i=$((i+1)); done; echo tail >&2",
      });
      await s.server.dispatch([job]);
      await s.server.waitFinished([job.jobId]);
      const out = s.server.output(job.jobId, 'stdout');
      assert.ok(out.endsWith(TRUNCATION_MARKER));
      assert.equal(Buffer.byteLength(out) - Buffer.byteLength(TRUNCATION_MARKER), 1000);
      assert.equal(out.split(TRUNCATION_MARKER).length, 2);
      assert.equal(s.server.output(job.jobId, 'stderr'), 'tail\n');
      assert.equal(s.server.finished(job.jobId)[0]?.outcome, 'succeeded');
    } finally {
      await s.cleanup();
    }
  });

  test('QUEUESENTINEL fails every pending job; the running one finishes', async () => {
    const s = await setup();
    try {
      const running = makeJob({ command: 'sleep 0.6; echo ran' });
      const pending = [1, 2, 3].map(() => makeJob({ command: 'echo pending' }));
      const asyncPending = [
        makeJob({ command: 'sleep 0.6', parentAsync: true, parentId: 'p-async' }),
        makeJob({ command: 'echo x', parentAsync: true, parentId: 'p-async' }),
      ];
      await s.server.dispatch([running, ...pending, ...asyncPending]);
      await s.server.waitFor(() => s.server.events.some((e) => e.type === 'started' && e.jobId === running.jobId));
      const sentinel = makeJob({ verb: 'QUEUESENTINEL', args: { parent_async_bypass: true } });
      await s.server.dispatch([sentinel]);
      await s.server.waitFinished([running.jobId, sentinel.jobId, ...pending.map((j) => j.jobId), ...asyncPending.map((j) => j.jobId)]);
      assert.equal(s.server.finished(running.jobId)[0]?.outcome, 'succeeded');
      assert.equal(s.server.finished(sentinel.jobId)[0]?.outcome, 'succeeded');
      for (const j of [...pending, asyncPending[1]!]) {
        assert.equal(s.server.finished(j.jobId)[0]?.outcome, 'failed');
        assert.equal(s.server.finished(j.jobId)[0]?.info, `Omitted due to sentinel from ${sentinel.jobId}`);
      }
      assert.equal(s.server.finished(asyncPending[0]!.jobId)[0]?.outcome, 'succeeded');
      assert.ok((s.server.finished(sentinel.jobId)[0]?.finishedAt ?? Infinity) <= (s.server.finished(running.jobId)[0]?.finishedAt ?? 0));
    } finally {
      await s.cleanup();
    }
  });

  test('job:cancel drops a queued job and kills a running one', async () => {
    const s = await setup();
    try {
      const running = makeJob({ command: "sh -c 'sleep 30.62 & sleep 30.62'" });
      const queued = makeJob({ command: 'echo never' });
      await s.server.dispatch([running, queued]);
      await s.server.waitFor(() => s.server.events.some((e) => e.type === 'started' && e.jobId === running.jobId));
      await s.server.cancel([queued.jobId, running.jobId]);
      await s.server.waitFinished([running.jobId, queued.jobId], 5000);
      assert.equal(s.server.finished(queued.jobId)[0]?.outcome, 'cancelled');
      assert.equal(s.server.finished(running.jobId)[0]?.outcome, 'cancelled');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(processesMatching('sleep 30.62'), []);
    } finally {
      await s.cleanup();
    }
  });

  test('--stdout-arg stores output without turning a failure into success', async () => {
    const s = await setup();
    try {
      const job = makeJob({ command: 'echo partial; exit 1', stdoutArg: 'captured' });
      const use = makeJob({ command: 'echo got {{ captured }}' });
      await s.server.dispatch([job, use]);
      await s.server.waitFinished([job.jobId, use.jobId]);
      assert.equal(s.server.finished(job.jobId)[0]?.outcome, 'failed');
      assert.equal(s.server.output(use.jobId, 'stdout'), 'got partial\n');
    } finally {
      await s.cleanup();
    }
  });

  test('invalid jobs are refused without stopping valid ones; unknown verbs fail clearly', async () => {
    const s = await setup();
    try {
      const good = makeJob();
      const unknown = makeJob({ verb: 'NOPE' });
      const badArgs = makeJob({ args: { command: 42 } });
      const result = await s.server.dispatch([{ jobId: 'broken-1' } as never, good, unknown, badArgs]);
      assert.deepEqual(result, { ok: true, value: { accepted: 3 } });
      await s.server.waitFinished(['broken-1', good.jobId, unknown.jobId, badArgs.jobId]);
      assert.equal(s.server.finished('broken-1')[0]?.outcome, 'failed');
      assert.equal(s.server.finished(good.jobId)[0]?.outcome, 'succeeded');
      assert.match(s.server.output(unknown.jobId, 'stderr'), /unknown verb NOPE/);
      assert.match(s.server.output(badArgs.jobId, 'stderr'), /Component Failure: invalid arguments for RUN: command/);
    } finally {
      await s.cleanup();
    }
  });

  test('arguments without their defaulted fields get the defaults; complete ones are used as sent', async () => {
    const s = await setup();
    try {
      const bare = makeJob({ args: { command: 'echo bare' } });
      const marker = join(root, 'retry-marker');
      const retried = makeJob({ args: { command: `test -e ${marker} || { touch ${marker}; exit 1; }`, retry: 2 } });
      const complete = makeJob({ args: { no_block: false, retry: 1, command: 'echo complete' } });
      await s.server.dispatch([bare, retried, complete]);
      await s.server.waitFinished([bare.jobId, retried.jobId, complete.jobId]);
      assert.equal(s.server.output(bare.jobId, 'stdout'), 'bare\n');
      assert.equal(s.server.finished(retried.jobId)[0]?.outcome, 'succeeded', 'retry 2 ran the command a second time');
      assert.equal(s.server.output(complete.jobId, 'stdout'), 'complete\n');
    } finally {
      await s.cleanup();
    }
  });

  test('a wrong key is logged as unauthorized and the agent keeps retrying', async () => {
    const server = await FakeServer.start();
    const lines: string[] = [];
    const agent = await startAgent({
      serverUrl: server.url,
      key: 'wrong',
      identity: 'node1',
      cacheDir: join(root, `agent-${++dirs}`),
      log: createLogger('t', (l) => lines.push(l), 'debug'),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.ok(
        lines.some((l) => l.includes('ERROR') && l.includes('unauthorized')),
        lines.join(''),
      );
      assert.equal(server.hellos.length, 0);
      assert.equal(agent.stats().connected, false);
    } finally {
      await agent.close();
      await server.stop();
    }
  });

  test('a job left running by a stopped agent is reported failed once the agent is back', async () => {
    const cacheDir = join(root, `agent-${++dirs}`);
    const previous = new AgentCache({ dir: cacheDir, log: silentLogger });
    previous.markSeen('left-running', 'r');
    previous.markSeen('left-queued', 'q');
    previous.close();
    const s = await setup({ cacheDir });
    try {
      await s.server.waitFinished(['left-running']);
      const fin = s.server.finished('left-running')[0];
      assert.equal(fin?.outcome, 'failed');
      assert.match(fin?.info ?? '', /interrupted/);
      // The queued one is forgotten, so the server's re-dispatch runs it.
      const requeued = makeJob({ jobId: 'left-queued', command: 'echo rerun' });
      assert.deepEqual(await s.server.dispatch([requeued]), { ok: true, value: { accepted: 1 } });
      await s.server.waitFinished(['left-queued']);
      assert.equal(s.server.output('left-queued', 'stdout'), 'rerun\n');
    } finally {
      await s.cleanup();
    }
  });

  test('a server that comes back on another port is found again through discoverServerUrl', async () => {
    const first = await FakeServer.start();
    let url = first.url;
    const agent = await startAgent({
      serverUrl: url,
      discoverServerUrl: () => url,
      key: first.key,
      identity: 'node1',
      cacheDir: join(root, `agent-${++dirs}`),
      log: silentLogger,
    });
    let second: FakeServer | undefined;
    try {
      await agent.whenConnected();
      const job = makeJob({ command: 'sleep 0.3; echo moved' });
      await first.dispatch([job]);
      await first.stop();
      second = await FakeServer.start({ key: first.key });
      url = second.url;
      await second.waitFinished([job.jobId], 20_000);
      assert.equal(second.output(job.jobId, 'stdout'), 'moved\n');
    } finally {
      await agent.close();
      await second?.stop();
    }
  });
});
