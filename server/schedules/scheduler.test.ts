/**
 * Schedules on a real in-process server with a real SQLite file and a scripted agent on
 * loopback; the scheduler's clock is fake (ticks are explicit), so hours pass in milliseconds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ScheduleAdd } from '../../protocol/automation.js';
import { silentLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../index.js';
import type { FireRecord } from './scheduler.js';
import { connectUi, FakeAgent, request, testComponents, type UiClient } from '../testing/harness.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;
const YAML = '- jobs:\n  - RUN: echo scheduled\n';

type Stack = { server: DirectordServer; ui: UiClient; agent: FakeAgent; fires: FireRecord[]; now: { t: number }; close(): Promise<void> };

async function stack(dataDir: string, now: { t: number }): Promise<Stack> {
  const fires: FireRecord[] = [];
  const server = await createServer({
    dataDir,
    port: 0,
    log: silentLogger,
    components: testComponents,
    scheduler: { timers: false, clock: () => now.t, onFire: (r) => fires.push(r) },
  });
  const ui = await connectUi(server);
  const agent = new FakeAgent(server, 'a1');
  await agent.start();
  return {
    server,
    ui,
    agent,
    fires,
    now,
    async close() {
      agent.close();
      ui.close();
      await server.close();
    },
  };
}

async function withStack(body: (s: Stack, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-schedules-'));
  const s = await stack(dataDir, { t: T0 });
  try {
    await body(s, dataDir);
  } finally {
    await s.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function addSchedule(s: Stack, add: Partial<ScheduleAdd> & Pick<ScheduleAdd, 'name'>) {
  // The schedule's own overlap policy is what these tests look at: its item allows simultaneous
  // runs, so only `overlap` holds a fire back (the item's setting: server/library/simultaneous.test.ts).
  const item = await request(s.ui.emitWithAck('library:save', { name: `item-${add.name}`, yaml: YAML, allowSimultaneous: true }));
  return request(s.ui.emitWithAck('schedules:add', { cron: '*/5 * * * *', source: { library: item.name }, target: 'a1', ...add }));
}

const runsOf = (s: Stack, name: string) => request(s.ui.emitWithAck('runs:list', { requestedBy: `schedule:${name}` }));

async function tickAt(s: Stack, t: number): Promise<void> {
  s.now.t = t;
  await s.server.schedulerTick();
}

test('a schedule fires on time, records schedule:NAME, lists five next fire times, pauses and resumes', { timeout: 30_000 }, async () => {
  await withStack(async (s) => {
    const info = await addSchedule(s, { name: 'nightly' });
    assert.deepEqual(
      info.nextFires,
      [1, 2, 3, 4, 5].map((i) => T0 + i * 5 * MIN),
    );
    assert.equal(info.source, 'library:item-nightly');
    await tickAt(s, T0 + 4 * MIN);
    assert.equal((await runsOf(s, 'nightly')).length, 0, 'nothing before the first fire time');
    await tickAt(s, T0 + 5 * MIN + 20);
    const [run] = await runsOf(s, 'nightly');
    assert.equal(run?.requestedBy, 'schedule:nightly');
    assert.equal(run?.source, 'library:item-nightly');
    assert.deepEqual(run?.targets, ['a1']);
    await s.agent.waitForJobs(1);
    assert.deepEqual(
      s.fires.map((f) => [f.outcome, f.at, f.lagMs]),
      [['run', T0 + 5 * MIN, 20]],
    );
    // Another requester's run does not show up under this schedule's filter.
    await request(s.ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo by hand' }] }] }));
    assert.equal((await runsOf(s, 'nightly')).length, 1);

    await request(s.ui.emitWithAck('schedules:pause', 'nightly'));
    const [paused] = await request(s.ui.emitWithAck('schedules:list'));
    assert.equal(paused?.enabled, false);
    assert.deepEqual(paused?.nextFires, []);
    await s.agent.complete(s.agent.dispatched[0]!);
    await tickAt(s, T0 + 10 * MIN + 5);
    assert.equal((await runsOf(s, 'nightly')).length, 1, 'a paused schedule does not fire');
    // Resuming does not replay what fell in the pause.
    await request(s.ui.emitWithAck('schedules:resume', 'nightly'));
    await tickAt(s, T0 + 11 * MIN);
    assert.equal((await runsOf(s, 'nightly')).length, 1);
    await tickAt(s, T0 + 15 * MIN);
    assert.equal((await runsOf(s, 'nightly')).length, 2);

    const dup = await s.ui.emitWithAck('schedules:add', { name: 'nightly', cron: '* * * * *', source: { library: 'item-nightly' } });
    assert.equal(dup.ok ? '' : dup.error.code, 'conflict');
    const badLib = await s.ui.emitWithAck('schedules:add', { name: 'x', cron: '* * * * *', source: { library: 'nope' } });
    assert.match(badLib.ok ? '' : badLib.error.message, /--library nope: no Library item/);
    await request(s.ui.emitWithAck('schedules:remove', 'nightly'));
    assert.deepEqual(await request(s.ui.emitWithAck('schedules:list')), []);
  });
});

test('misfire after downtime: skip records the miss, run-once runs once (not once per missed time)', { timeout: 30_000 }, async () => {
  await withStack(async (s) => {
    await addSchedule(s, { name: 'skipper', misfire: 'skip' });
    await addSchedule(s, { name: 'catcher', misfire: 'run-once' });
    // Three hours later (36 fire times passed) the server looks again.
    await tickAt(s, T0 + 3 * 60 * MIN + 30_000);
    assert.equal((await runsOf(s, 'skipper')).length, 0);
    assert.equal((await runsOf(s, 'catcher')).length, 1);
    const byName = Object.fromEntries(s.fires.map((f) => [f.schedule, f]));
    assert.equal(byName.skipper?.outcome, 'missed');
    assert.equal(byName.catcher?.outcome, 'run');
    assert.equal(byName.catcher?.at, T0 + 3 * 60 * MIN, 'the latest missed fire time is the one run');
    // Both are on time again afterwards.
    await s.agent.waitForJobs(1);
    await s.agent.complete(s.agent.dispatched[0]!);
    await tickAt(s, T0 + 3 * 60 * MIN + 5 * MIN + 1000);
    assert.equal((await runsOf(s, 'skipper')).length, 1);
    assert.equal((await runsOf(s, 'catcher')).length, 2);
  });
});

test(
  'overlap: skip drops a fire while the last run is open, queue holds one until it settles, allow runs',
  { timeout: 30_000 },
  async () => {
    await withStack(async (s) => {
      await addSchedule(s, { name: 'skip', overlap: 'skip' });
      await addSchedule(s, { name: 'queue', overlap: 'queue' });
      await addSchedule(s, { name: 'allow', overlap: 'allow' });
      await tickAt(s, T0 + 5 * MIN);
      await s.agent.waitForJobs(3);
      await tickAt(s, T0 + 10 * MIN);
      await tickAt(s, T0 + 15 * MIN);
      assert.equal((await runsOf(s, 'skip')).length, 1);
      assert.equal((await runsOf(s, 'queue')).length, 1);
      assert.equal((await runsOf(s, 'allow')).length, 3);
      assert.deepEqual(
        s.fires.filter((f) => f.schedule === 'skip').map((f) => f.outcome),
        ['run', 'skipped-overlap', 'skipped-overlap'],
      );
      assert.deepEqual(
        s.fires.filter((f) => f.schedule === 'queue').map((f) => f.outcome),
        ['run', 'queued', 'queued'],
      );
      // The queue's first run settles: the held fire time starts at once (one run, not one per fire time).
      const queueRun = (await runsOf(s, 'queue'))[0]!;
      const job = s.agent.dispatched.find((j) => j.runId === queueRun.runId)!;
      await s.agent.complete(job);
      const deadline = Date.now() + 5000;
      while ((await runsOf(s, 'queue')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await runsOf(s, 'queue')).length, 2);
      const released = s.fires.filter((f) => f.schedule === 'queue').at(-1);
      assert.equal(released?.outcome, 'run');
      assert.equal(released?.at, T0 + 10 * MIN, 'the first held fire time is the one that runs');
    });
  },
);

test('exactly once across a restart at the fire time', { timeout: 40_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-schedules-restart-'));
  const now = { t: T0 };
  try {
    let s = await stack(dataDir, now);
    await addSchedule(s, { name: 'once', misfire: 'run-once', overlap: 'allow' });
    await tickAt(s, T0 + 5 * MIN);
    assert.equal((await runsOf(s, 'once')).length, 1);
    await s.close();
    // Restarted at the same moment: the fire time was stored with its run, so it is not run again.
    s = await stack(dataDir, now);
    await s.server.schedulerTick();
    await tickAt(s, T0 + 5 * MIN + 2000);
    assert.equal((await runsOf(s, 'once')).length, 1);
    assert.ok(s.fires.every((f) => f.outcome !== 'run'));
    await s.close();
    // Down across the next fire time and back 3 s later (inside the grace): it runs, once.
    now.t = T0 + 10 * MIN + 3000;
    s = await stack(dataDir, now);
    await s.server.schedulerTick();
    await s.server.schedulerTick();
    assert.equal((await runsOf(s, 'once')).length, 2);
    assert.deepEqual(
      s.fires.map((f) => [f.outcome, f.at]),
      [['run', T0 + 10 * MIN]],
    );
    await s.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test(
  "a Library item's export carries its schedules, notifications and triggers without secrets; import restores them",
  { timeout: 30_000 },
  async () => {
    await withStack(async (s) => {
      const item = await request(s.ui.emitWithAck('library:save', { name: 'patching', yaml: YAML, allowSimultaneous: true }));
      await request(
        s.ui.emitWithAck('schedules:add', {
          name: 'patch-window',
          cron: '0 0 3 * * 6',
          tz: 'Europe/Paris',
          source: { library: 'patching' },
          target: 'a1',
          misfire: 'run-once',
          overlap: 'queue',
        }),
      );
      await request(
        s.ui.emitWithAck('notify:add', {
          name: 'patch-hook',
          channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'never-exported' },
          on: ['failed'],
          library: 'patching',
        }),
      );
      const trig = await request(
        s.ui.emitWithAck('triggers:add', { name: 'patch-now', source: { library: 'patching' }, varsFrom: ['ref'] }),
      );
      await addSchedule(s, { name: 'unrelated' });
      const exported = await request(s.ui.emitWithAck('library:automation', item.id));
      const text = JSON.stringify(exported);
      assert.ok(!text.includes('never-exported') && !text.includes(trig.secret), 'no secret in the export');
      assert.deepEqual(exported.schedules, [
        { name: 'patch-window', cron: '0 0 3 * * 6', tz: 'Europe/Paris', target: 'a1', misfire: 'run-once', overlap: 'queue' },
      ]);
      assert.deepEqual(exported.notifications, [
        { name: 'patch-hook', on: ['failed'], channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } },
      ]);
      assert.deepEqual(exported.triggers, [{ name: 'patch-now', varsFrom: ['ref'] }]);
      assert.deepEqual(exported.settings, { allowSimultaneous: true }, "the item's non-default settings travel with it");

      // A restored console: the item is deleted (its automation goes with it) and imported again.
      await request(s.ui.emitWithAck('library:delete', item.id));
      assert.deepEqual(
        (await request(s.ui.emitWithAck('schedules:list'))).map((x) => x.name),
        ['unrelated'],
      );
      const again = await request(s.ui.emitWithAck('library:save', { name: 'patching', yaml: YAML }));
      assert.equal(again.allowSimultaneous, false);
      const restored = await request(s.ui.emitWithAck('library:restore-automation', { id: again.id, automation: exported }));
      assert.equal((await request(s.ui.emitWithAck('library:get', again.id))).allowSimultaneous, true, 'the import restores the setting');
      assert.deepEqual(restored.created, ['schedule patch-window', 'notification patch-hook', 'trigger patch-now']);
      assert.deepEqual(restored.skipped, []);
      assert.equal(restored.secrets.length, 2);
      const schedule = (await request(s.ui.emitWithAck('schedules:list'))).find((x) => x.name === 'patch-window');
      assert.equal(schedule?.libraryId, again.id);
      assert.equal(schedule?.source, 'library:patching');
      assert.equal((await request(s.ui.emitWithAck('notify:list')))[0]?.hasSecret, false);
      assert.equal((await request(s.ui.emitWithAck('triggers:list')))[0]?.libraryId, again.id);
      // Importing twice reports the taken names instead of replacing them.
      const twice = await request(s.ui.emitWithAck('library:restore-automation', { id: again.id, automation: exported }));
      assert.equal(twice.created.length, 0);
      assert.equal(twice.skipped.length, 3);
      // A malformed import is refused by its schema, naming the field.
      const bad = await s.ui.emitWithAck('library:restore-automation', {
        id: again.id,
        automation: JSON.parse('{"schedules": "nightly"}') as never,
      });
      assert.equal(bad.ok, false);
      if (!bad.ok) assert.match(bad.error.message, /automation\.schedules/);
    });
  },
);
