/** The `/agent` namespace: auth, hello, fencing, reconciliation, expiry and hostile input. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { LIMITS } from '../../protocol/version.js';
import { connectUi, eventually, FakeAgent, request, sleep, startTestServer, withTimeout } from '../testing/harness.js';

describe('agents', { timeout: 30_000 }, () => {
  test('a wrong key or a bad identity is refused with unauthorized', async () => {
    const t = await startTestServer();
    try {
      for (const auth of [{ identity: 'x', key: 'wrong' }, { identity: 'bad name!', key: t.server.agentKey }, {}]) {
        const socket = io(`${t.server.url}/agent`, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
        const error = await withTimeout(new Promise<Error>((resolve) => socket.once('connect_error', resolve)), 5000, 'connect_error');
        assert.equal(error.message, 'unauthorized');
        socket.close();
      }
    } finally {
      await t.stop();
    }
  });

  test('hello registers the agent; protocol mismatch and identity spoofing are refused', async () => {
    const t = await startTestServer({ heartbeatIntervalMs: 1234 });
    const a = new FakeAgent(t.server, 'node-a');
    const ui = await connectUi(t.server);
    try {
      const mismatch = await a.hello({ protocolVersion: '99.0' });
      assert.ok(!mismatch.ok && mismatch.error.code === 'protocol-mismatch');
      const spoof = await a.hello({ identity: 'node-z' });
      assert.ok(!spoof.ok && spoof.error.code === 'forbidden');
      const early = await a.send([]);
      assert.ok(!early.ok && early.error.code === 'forbidden');
      const welcome = await a.start();
      assert.equal(welcome.heartbeatIntervalMs, 1234);
      assert.equal(welcome.redispatched, 0);
      const [agent] = await request(ui.emitWithAck('agents:list'));
      assert.equal(agent?.identity, 'node-a');
      assert.equal(agent?.online, true);
      assert.equal(agent?.facts.hostname, 'node-a');
      assert.deepEqual(agent?.components, ['RUN']);
      assert.ok((agent?.expiresAt ?? 0) >= (agent?.lastHeartbeat ?? 0) + 3 * 1234);
      a.socket.emit('agent:heartbeat', { at: Date.now(), hostUptimeS: 5, agentUptimeS: 2, running: 3, queued: 4 });
      await eventually('heartbeat', async () => ((await request(ui.emitWithAck('agents:list')))[0]?.running === 3 ? true : undefined));
      a.close();
      await eventually('offline', async () => ((await request(ui.emitWithAck('agents:list')))[0]?.online === false ? true : undefined));
      assert.deepEqual(await request(ui.emitWithAck('agents:purge')), { purged: 1 });
      assert.deepEqual(await request(ui.emitWithAck('agents:list')), []);
    } finally {
      ui.close();
      a.close();
      await t.stop();
    }
  });

  test('a second connection with another machine id is refused (fencing); the same machine replaces the old one', async () => {
    const t = await startTestServer();
    const first = new FakeAgent(t.server, 'node-a', { machineId: 'm1' });
    const impostor = new FakeAgent(t.server, 'node-a', { machineId: 'm2' });
    const restarted = new FakeAgent(t.server, 'node-a', { machineId: 'm1' });
    try {
      await first.start();
      const refused = await impostor.hello();
      assert.ok(!refused.ok && refused.error.code === 'duplicate-identity');
      await restarted.start();
      await eventually('old connection dropped', () => (first.socket.connected ? undefined : true));
      const ui = await connectUi(t.server);
      const agents = await request(ui.emitWithAck('agents:list'));
      assert.equal(agents[0]?.online, true);
      ui.close();
    } finally {
      first.close();
      impostor.close();
      restarted.close();
      await t.stop();
    }
  });

  test('jobs not acknowledged are sent again on the next hello; unknown active jobs are cancelled', async () => {
    const t = await startTestServer();
    const ui = await connectUi(t.server);
    const deaf = new FakeAgent(t.server, 'node-a', { autoAck: false });
    try {
      await deaf.start();
      const { jobs } = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo again' }] }] }),
      );
      await deaf.waitForJobs(1);
      deaf.close();
      await sleep(50);
      const back = new FakeAgent(t.server, 'node-a', { activeJobs: ['stale-job'] });
      try {
        const welcome = await back.start();
        assert.equal(welcome.redispatched, 1);
        const [job] = await back.waitForJobs(1);
        assert.equal(job?.jobId, jobs[0]?.jobId);
        await eventually('stale job cancelled', () => (back.cancelled.includes('stale-job') ? true : undefined));
        await back.complete(job!);
        const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [job!.jobId], timeoutMs: 5000 }));
        assert.equal(record?.targets[0]?.state, 'succeeded');
      } finally {
        back.close();
      }
    } finally {
      ui.close();
      deaf.close();
      await t.stop();
    }
  });

  test('an agent that stops heartbeating goes offline and its running jobs become lost', async () => {
    const t = await startTestServer({ heartbeatIntervalMs: 40 });
    const ui = await connectUi(t.server);
    const quiet = new FakeAgent(t.server, 'quiet');
    const alive = new FakeAgent(t.server, 'alive');
    const beat = setInterval(() => alive.heartbeat(), 20);
    try {
      await quiet.start();
      await alive.start();
      const { jobs } = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo hang' }] }] }),
      );
      const [job] = await quiet.waitForJobs(1);
      await quiet.send([{ type: 'started', jobId: job!.jobId, at: Date.now() }]);
      const record = await eventually('lost', async () => {
        const r = await request(ui.emitWithAck('jobs:get', jobs[0]!.jobId));
        return r.targets.some((x) => x.state === 'lost') ? r : undefined;
      });
      const byTarget = Object.fromEntries(record!.targets.map((x) => [x.target, x]));
      assert.equal(byTarget.quiet?.state, 'lost');
      assert.equal(byTarget.quiet?.info, 'agent quiet stopped answering');
      assert.equal(byTarget.alive?.state, 'dispatched');
      assert.ok(record.targets.find((x) => x.target === 'quiet')!.finishedAt! - Date.now() < 1000);
      const agents = await request(ui.emitWithAck('agents:list'));
      assert.equal(agents.find((x) => x.identity === 'quiet')?.online, false);
      assert.equal(agents.find((x) => x.identity === 'alive')?.online, true);
      await alive.complete((await alive.waitForJobs(1))[0]!);
      await request(ui.emitWithAck('jobs:await', { jobIds: [jobs[0]!.jobId], timeoutMs: 3000 }));
      const run = await request(ui.emitWithAck('runs:get', record.runId));
      assert.equal(run.status, 'lost'); // lost is not failed (issue #13: one set of states)
      assert.equal(run.counts.lost, 1);
    } finally {
      clearInterval(beat);
      ui.close();
      quiet.close();
      alive.close();
      await t.stop();
    }
  });

  test('malformed and oversized messages are refused; the server goes on', async () => {
    const t = await startTestServer();
    const a = new FakeAgent(t.server, 'node-a');
    const ui = await connectUi(t.server);
    try {
      await a.start();
      const raw = a.socket as unknown as {
        emitWithAck(event: string, ...args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }>;
      };
      for (const payload of [
        null,
        'text',
        { batch: -1, events: [] },
        { batch: 1, events: [{ type: 'exploded', jobId: 'x' }] },
        { batch: 1, events: [{ type: 'output', jobId: 'x', stream: 'stdout', seq: 0, data: 'y'.repeat(300 * 1024) }] },
      ]) {
        const r = await withTimeout(raw.emitWithAck('job:events', payload), 5000, 'refusal');
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, 'invalid-payload');
      }
      a.socket.emit('agent:heartbeat', { nonsense: true } as never);
      (a.socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit('job:events', { batch: 1, events: [] });
      const hello = await withTimeout(raw.emitWithAck('agent:hello', { identity: 'node-a' }), 5000, 'bad hello');
      assert.equal(hello.error?.code, 'invalid-payload');
      const disconnected = new Promise<string>((resolve) => a.socket.once('disconnect', resolve));
      a.socket.emit(
        'job:events',
        { batch: 2, events: [{ type: 'output', jobId: 'x', stream: 'stdout', seq: 0, data: 'z'.repeat(LIMITS.maxMessageBytes + 1024) }] },
        () => {},
      );
      await withTimeout(disconnected, 5000, 'oversized message to drop the connection');
      const other = new FakeAgent(t.server, 'node-b');
      await other.start();
      const { jobs } = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', targets: ['node-b'], entries: [{ jobs: [{ verb: 'RUN', text: 'still here' }] }] }),
      );
      await other.complete((await other.waitForJobs(1))[0]!);
      const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [jobs[0]!.jobId], timeoutMs: 5000 }));
      assert.equal(record?.targets[0]?.state, 'succeeded');
      other.close();
    } finally {
      ui.close();
      a.close();
      await t.stop();
    }
  });

  test('close() says goodbye to agents and removes server.json', async () => {
    const t = await startTestServer();
    const a = new FakeAgent(t.server, 'node-a');
    await a.start();
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    assert.ok(existsSync(join(t.dataDir, 'server.json')));
    await t.server.close();
    await eventually('goodbye', () => (a.goodbyes.length ? true : undefined), 2000);
    assert.deepEqual(a.goodbyes, ['server shutting down']);
    assert.ok(!existsSync(join(t.dataDir, 'server.json')));
    a.close();
    await t.stop();
  });
});
