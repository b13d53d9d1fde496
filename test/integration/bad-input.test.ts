/**
 * Bad input gets a clear error and nothing is lost (issue #2's list item 8): malformed
 * orchestrations name file, line and column and submit nothing; unknown verbs list the known
 * ones; unknown targets fail alone; bad options name the option; malformed, unauthorised and
 * oversized messages from an agent are refused with a logged warning while the server goes on;
 * a job printing ~40 MB is stored truncated with the marker without the server's memory growing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { AgentHello } from '../../protocol/agents.js';
import { LIMITS, PROTOCOL_VERSION, TRUNCATION_MARKER } from '../../protocol/version.js';
import { Cluster, describeRun, eventually, literal, marker, memoryOf, req, statusLines, withTimeout } from './harness.js';

type RawAgent = Socket<ServerToAgentEvents, AgentToServerEvents>;

describe('bad input (real server, 2 agents, CLI)', { timeout: 120_000 }, () => {
  let c: Cluster;
  const counts = async () => ({ jobs: (await req(c.ui, 'jobs:list', {})).length, runs: (await req(c.ui, 'runs:list', {})).length });
  const file = (name: string, text: string) => {
    const path = join(c.dataDir, name);
    writeFileSync(path, text);
    return path;
  };
  before(
    async () => {
      c = await Cluster.start({ agents: ['a1', 'a2'] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test(
    'a malformed orchestration names file:line:col, exits 2 and submits nothing (not even valid files before it)',
    { timeout: 30_000 },
    async () => {
      const m = marker();
      const good = file(`good-${m}.yaml`, `- jobs:\n    - RUN: echo good-${m}\n`);
      const syntax = file(
        `syntax-${m}.yaml`,
        `- name: ok\n  jobs:\n    - RUN: echo ok-${m}\n- name: broken\n  jobs:\n    - RUN: [unclosed\n    - RUN: echo x\n`,
      );
      const badKey = file(`key-${m}.yaml`, `- name: ok\n  jobs:\n    - RUN: echo ok-${m}\n  tagets: [a1]\n`);
      const badOption = file(`option-${m}.yaml`, `- name: ok\n  jobs:\n    - RUN: echo ok-${m}\n    - RUN: --retry x echo ${m}\n`);
      const before = await counts();

      const s = await c.cli('orchestrate', good, syntax, '--poll');
      assert.equal(s.code, 2, describeRun(s));
      assert.match(s.stderr, new RegExp(`^${literal(syntax)}:[67]:\\d+: YAML syntax error: .+\\n$`), describeRun(s));
      assert.equal(s.stdout, '');

      const k = await c.cli('orchestrate', badKey);
      assert.equal(k.code, 2, describeRun(k));
      assert.match(k.stderr, new RegExp(`^${literal(badKey)}:4:3: .*unknown key "tagets"; expected one of .*targets`), describeRun(k));

      const o = await c.cli('orchestrate', badOption, '--poll');
      assert.equal(o.code, 2, describeRun(o));
      assert.match(o.stderr, new RegExp(`^${literal(badOption)}:4:7: .*--retry expects an integer, got "x"`), describeRun(o));

      assert.deepEqual(await counts(), before, 'nothing was submitted');
    },
  );

  test('an unknown verb lists the known ones (exec and orchestrate); nothing is submitted', { timeout: 30_000 }, async () => {
    const before = await counts();
    const e = await c.cli('exec', '--verb', 'NOPE', 'echo hi', '--poll');
    assert.equal(e.code, 2, describeRun(e));
    assert.match(e.stderr, /unknown verb NOPE/i);
    const known = /known verbs: (.+)$/im.exec(e.stderr)?.[1]?.split(/, */) ?? [];
    for (const verb of ['ARG', 'CACHEEVICT', 'ECHO', 'ENV', 'QUEUESENTINEL', 'RUN', 'WORKDIR'])
      assert.ok(known.includes(verb), `${verb} in ${e.stderr}`);

    const m = marker();
    const path = file(`verb-${m}.yaml`, `- jobs:\n    - RUN: echo ${m}\n    - NOPE: echo x\n`);
    const o = await c.cli('orchestrate', path, '--poll');
    assert.equal(o.code, 2, describeRun(o));
    assert.match(o.stderr, new RegExp(`${literal(path)}:3:7: .*unknown verb NOPE; known verbs: .*RUN`), describeRun(o));
    assert.deepEqual(await counts(), before, 'nothing was submitted');
  });

  test('a bad option names it (--retry x, --bogus, a bad --target name); nothing is submitted', { timeout: 30_000 }, async () => {
    const before = await counts();
    const retry = await c.cli('exec', '--verb', 'RUN', '--retry', 'x', 'echo', '--poll');
    assert.equal(retry.code, 2, describeRun(retry));
    assert.match(retry.stderr, /--retry expects an integer, got "x"/);
    const bogus = await c.cli('exec', '--verb', 'RUN', '--bogus echo', '--poll');
    assert.equal(bogus.code, 2, describeRun(bogus));
    assert.match(bogus.stderr, /unknown option --bogus/);
    const target = await c.cli('exec', '--verb', 'RUN', 'echo', '--target', 'a1', 'bad target!', '--poll');
    assert.equal(target.code, 2, describeRun(target));
    assert.match(target.stderr, /--target: "bad target!" is not a valid target name/);
    assert.deepEqual(await counts(), before, 'nothing was submitted');
  });

  test(
    'an unknown target is refused before anything is submitted, naming it and the closest known names (exec and orchestrate)',
    { timeout: 30_000 },
    async () => {
      const m = marker();
      const before = await counts();
      const ran = await c.cli('exec', '--verb', 'RUN', `echo known-${m}`, '--target', 'a1', 'a3', '--poll');
      assert.equal(ran.code, 2, describeRun(ran));
      assert.match(ran.stderr, /unknown target a3 \(closest: a1, a2\); known hosts: a1, a2/);
      const site = file(`unknown-${m}.yaml`, `- targets: [a1, nosuchhost-${m}]\n  jobs:\n  - RUN: echo ${m}\n`);
      const orch = await c.cli('orchestrate', site, '--poll');
      assert.equal(orch.code, 2, describeRun(orch));
      assert.match(
        orch.stderr,
        new RegExp(`^${literal(site)}:3:5: entries\\[0\\]\\.jobs\\[0\\]\\.RUN: unknown target nosuchhost-${m}; known hosts: a1, a2\\n$`),
        describeRun(orch),
      );
      assert.deepEqual(await counts(), before, 'nothing was submitted');
    },
  );

  /** A raw socket.io client on `/agent` with the real key: it speaks whatever the test sends. */
  const rawAgent = (m: string) => {
    const identity = `intruder-${m}`;
    const hello: AgentHello = {
      protocolVersion: PROTOCOL_VERSION,
      identity,
      machineId: `machine-${m}`,
      agentVersion: 'raw',
      facts: {
        hostname: identity,
        os: 'test',
        platform: 'linux',
        release: '1',
        arch: 'x64',
        cores: 1,
        memoryBytes: 1,
        nodeVersion: process.version,
        hostUptimeS: 1,
      },
      components: [],
      activeJobs: [],
      startedAt: Date.now(),
    };
    const connect = async (): Promise<RawAgent> => {
      const socket: RawAgent = io(`${c.url}/agent`, {
        transports: ['websocket'],
        auth: { identity, key: c.agentKey() },
        reconnection: false,
        forceNew: true,
      });
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        }),
        5000,
        'raw agent connect',
      );
      return socket;
    };
    const emit = (socket: RawAgent, event: string, payload: unknown) =>
      withTimeout(
        (
          socket as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> }
        ).emitWithAck(event, payload),
        5000,
        event,
      );
    const disconnected = (socket: RawAgent) =>
      withTimeout(new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason))), 5000, 'server-side drop');
    /** WARN lines the server logged about this identity. */
    const warnings = () =>
      (c.server?.stderr ?? '').split('\n').filter((l) => l.includes(' WARN ') && l.includes(`"identity":"${identity}"`));
    return { identity, hello, connect, emit, disconnected, warnings };
  };

  /** After abuse: the intruder is offline and an exec still runs on both real agents. */
  const stillServes = async (identity: string, m: string) => {
    await eventually(
      'intruder offline',
      async () => ((await req(c.ui, 'agents:list')).find((a) => a.identity === identity)?.online === false ? true : undefined),
      3000,
    );
    const ran = await c.cli('exec', '--verb', 'RUN', `echo still-serving-${m}`, '--poll', '--check');
    assert.equal(ran.code, 0, describeRun(ran));
    const [job] = await c.await([statusLines(ran.stdout)[0]?.id ?? 'missing']);
    assert.deepEqual(
      job?.targets.map((t) => [t.target, t.state]),
      [
        ['a1', 'succeeded'],
        ['a2', 'succeeded'],
      ],
    );
    assert.ok(c.server?.running, 'the server process is alive');
  };

  test('malformed and oversized agent messages are refused and logged; the server goes on', { timeout: 30_000 }, async () => {
    const m = marker();
    const a = rawAgent(m);

    // 1. Events before hello, a malformed hello, malformed event batches: refused as values, logged.
    const raw = await a.connect();
    assert.equal((await a.emit(raw, 'job:events', { batch: 0, events: [] })).error?.code, 'forbidden');
    assert.equal((await a.emit(raw, 'agent:hello', { identity: a.identity, nonsense: true })).error?.code, 'invalid-payload');
    assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
    const badBatch = await a.emit(raw, 'job:events', { batch: 'x', events: [{ type: 'finished' }] });
    assert.deepEqual([badBatch.ok, badBatch.error?.code], [false, 'invalid-payload']);
    assert.match(badBatch.error?.message ?? '', /batch/);
    assert.equal((await a.emit(raw, 'job:events', 'garbage')).error?.code, 'invalid-payload');
    await eventually(
      '4 refusals in the server log',
      () => (a.warnings().filter((l) => l.includes('agent message refused')).length >= 4 ? true : undefined),
      3000,
    );

    // 2. A message over the 8 MiB limit: the connection is dropped, never buffered.
    const dropped = a.disconnected(raw);
    raw.emit(
      'job:events',
      { batch: 1, events: [{ type: 'output', jobId: 'x', stream: 'stdout', seq: 0, data: 'z'.repeat(LIMITS.maxMessageBytes + 1024) }] },
      () => {},
    );
    assert.match(await dropped, /^transport (close|error)$/);
    await eventually(
      'the oversize drop in the server log',
      () =>
        a
          .warnings()
          .some((l) => l.includes('agent connection dropped: malformed or oversized message') && l.includes('"reason":"transport error"'))
          ? true
          : undefined,
      3000,
    );

    // 3. A websocket frame that is not an engine.io packet at all.
    const raw2 = await a.connect();
    assert.equal((await a.emit(raw2, 'agent:hello', a.hello)).ok, true);
    const dropped2 = a.disconnected(raw2);
    (raw2.io.engine as unknown as { transport: { ws: { send(data: string): void } } }).transport.ws.send('9 not an engine.io packet');
    await dropped2;
    await eventually(
      'the parse error in the server log',
      () => (a.warnings().some((l) => l.includes('"reason":"parse error"')) ? true : undefined),
      3000,
    );

    await stillServes(a.identity, m);
  });

  test('an agent packet socket.io cannot decode is dropped with a logged warning; the server goes on', { timeout: 30_000 }, async () => {
    const m = marker();
    const a = rawAgent(m);
    const raw = await a.connect();
    assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
    const before = a.warnings().length;
    const dropped = a.disconnected(raw);
    // An EVENT packet for /agent whose JSON is cut short.
    (raw.io.engine as unknown as { write(data: string): void }).write('2/agent,["job:events",{"batch":');
    await dropped;
    await stillServes(a.identity, m);
    const after = a.warnings().slice(before);
    assert.ok(
      after.length > 0,
      `no WARN line about the undecodable packet; the server only logged:\n${(c.server?.stderr ?? '')
        .split('\n')
        .filter((l) => l.includes(a.identity))
        .slice(-3)
        .join('\n')}`,
    );
  });

  test('a job printing ~40 MB is stored truncated with the marker; server memory stays sane', { timeout: 60_000 }, async () => {
    const m = marker();
    const ran = await c.cli(
      'exec',
      '--target',
      'a1',
      '--verb',
      'RUN',
      `--skip-cache head -c 40000000 /dev/zero | tr '\\0' 'a' # ${m}`,
      '--poll',
    );
    assert.equal(ran.code, 0, describeRun(ran));
    const id = statusLines(ran.stdout)[0]?.id;
    assert.ok(id, describeRun(ran));
    const [job] = await c.await([id]);
    const target = job?.targets[0];
    assert.equal(target?.state, 'succeeded', target?.info ?? '');
    assert.equal(target?.exitCode, 0, 'the command ran to its end (the pipe kept being drained)');
    assert.equal(target?.truncated, true);

    const out = await c.output(id, 'a1');
    assert.equal(out.truncated, true);
    assert.ok(out.stdout.endsWith(TRUNCATION_MARKER), `ends with the marker: …${JSON.stringify(out.stdout.slice(-80))}`);
    assert.equal(out.stdout.split('[directord: output truncated').length, 2, 'exactly one marker');
    const kept = out.stdout.slice(0, -TRUNCATION_MARKER.length);
    assert.ok(
      kept.length <= LIMITS.defaultOutputCapBytes && kept.length >= LIMITS.defaultOutputCapBytes - LIMITS.maxChunkBytes,
      `kept ${kept.length} bytes`,
    );
    assert.ok(/^a+$/.test(kept), 'the kept output is the job’s own');

    const server = memoryOf(c.serverPid);
    const agent = memoryOf(c.agent('a1').pid);
    assert.ok(server.hwmKb < 300 * 1024, `server peak RSS ${Math.round(server.hwmKb / 1024)} MiB`);
    assert.ok(agent.hwmKb < 300 * 1024, `agent peak RSS ${Math.round(agent.hwmKb / 1024)} MiB`);
  });
});
