/**
 * Library `allowSimultaneous` (issue #17) on a real in-process server with a real SQLite file,
 * scripted agents on loopback and a real HTTP endpoint for notifications: a run of an item is
 * refused while an earlier run of it is unfinished (running, halted, awaiting approval) — from the
 * console's Deploy, a schedule fire and a trigger alike — unless the item allows it.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunEventPayload } from '../../protocol/automation.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../index.js';
import type { FireRecord } from '../schedules/scheduler.js';
import { connectUi, eventually, FakeAgent, request, testComponents, type UiClient } from '../testing/harness.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;
const YAML = '- jobs:\n  - RUN: echo once at a time\n';

type Stack = {
  server: DirectordServer;
  ui: UiClient;
  agents: FakeAgent[];
  fires: FireRecord[];
  now: { t: number };
  hooks: RunEventPayload[];
  hookUrl: string;
};

async function withStack(body: (s: Stack) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-simultaneous-'));
  const hooks: RunEventPayload[] = [];
  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunEventPayload);
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const now = { t: T0 };
  const fires: FireRecord[] = [];
  const server = await createServer({
    dataDir,
    port: 0,
    log: silentLogger,
    components: testComponents,
    scheduler: { timers: false, clock: () => now.t, onFire: (r) => fires.push(r) },
  });
  const ui = await connectUi(server);
  const agents = [new FakeAgent(server, 'a1'), new FakeAgent(server, 'a2')];
  try {
    for (const a of agents) await a.start();
    await body({ server, ui, agents, fires, now, hooks, hookUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook` });
  } finally {
    for (const a of agents) a.close();
    ui.close();
    await server.close().catch(() => {});
    await new Promise<void>((r) => {
      http.closeAllConnections();
      http.close(() => r());
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Polls until `check` holds (eventually's check answers undefined for "not yet"). */
const until = (what: string, check: () => boolean | Promise<boolean>) => eventually(what, async () => ((await check()) ? true : undefined));

/** What the console's Deploy sends for an item opened from the Library. */
const deployOf = (libraryId: string, yaml = YAML): RunSubmission => ({
  kind: 'orchestrate',
  source: 'item.yaml',
  sourceText: yaml,
  requestedBy: 'console',
  libraryId,
  targets: ['a1'],
  entries: [{ jobs: [{ verb: 'RUN', text: 'echo once at a time' }] }],
});

test(
  'a second Deploy of a running Library item is refused naming the running run; allowed once it ends, or with the setting',
  { timeout: 30_000 },
  async () => {
    await withStack(async ({ ui, agents }) => {
      const [a1] = agents as [FakeAgent, FakeAgent];
      const item = await request(ui.emitWithAck('library:save', { name: 'web', yaml: YAML }));
      assert.equal(item.allowSimultaneous, false, 'the default');
      const first = await request(ui.emitWithAck('runs:submit', deployOf(item.id)));
      const [job] = await a1.waitForJobs(1);
      const second = await ui.emitWithAck('runs:submit', deployOf(item.id));
      assert.equal(second.ok, false);
      assert.equal(second.ok ? '' : second.error.code, 'already-running');
      assert.equal(
        second.ok ? '' : second.error.message,
        `library item web is already running as run ${first.runId}; allow simultaneous runs in its settings`,
      );
      assert.deepEqual(second.ok ? null : second.error.details, { runId: first.runId, libraryId: item.id, library: 'web' });
      assert.equal((await request(ui.emitWithAck('runs:list', {}))).length, 1, 'the refused deploy stored nothing');
      // Another item, and a run of no item, are not held up by it.
      const other = await request(ui.emitWithAck('library:save', { name: 'db', yaml: YAML }));
      await request(ui.emitWithAck('runs:submit', deployOf(other.id)));
      await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', targets: ['a1'], entries: [{ jobs: [{ verb: 'RUN', text: 'echo ad hoc' }] }] }),
      );

      await a1.complete(job!);
      await until('the first run to succeed', async () => (await request(ui.emitWithAck('runs:get', first.runId))).status === 'succeeded');
      const third = await request(ui.emitWithAck('runs:submit', deployOf(item.id)));
      // A re-run of the item's run is a run of the item too (its stored submission keeps the link).
      const rerun = await ui.emitWithAck('runs:rerun', { runId: first.runId });
      assert.equal(
        rerun.ok ? '' : rerun.error.message,
        `library item web is already running as run ${third.runId}; allow simultaneous runs in its settings`,
      );

      // The builder's Save (no setting in it) keeps the stored setting; the checkbox's save changes it.
      const allowed = await request(ui.emitWithAck('library:save', { id: item.id, name: 'web', yaml: YAML, allowSimultaneous: true }));
      assert.equal(allowed.allowSimultaneous, true);
      assert.equal((await request(ui.emitWithAck('library:save', { id: item.id, name: 'web', yaml: YAML }))).allowSimultaneous, true);
      assert.equal((await request(ui.emitWithAck('library:list'))).find((i) => i.id === item.id)?.allowSimultaneous, true);
      const fourth = await request(ui.emitWithAck('runs:submit', deployOf(item.id)));
      assert.notEqual(fourth.runId, third.runId);
      assert.equal((await request(ui.emitWithAck('runs:get', third.runId))).finishedAt, null, 'both runs of the item are open at once');

      const bad = await ui.emitWithAck('library:save', { id: item.id, name: 'web', yaml: YAML, allowSimultaneous: 'yes' } as never);
      assert.equal(bad.ok ? '' : bad.error.location?.field, 'allowSimultaneous');

      // The console's checkbox changes the setting alone: an edit saved meanwhile is kept.
      const edited = `${YAML}# edited elsewhere\n`;
      await request(ui.emitWithAck('library:save', { id: item.id, name: 'web', yaml: edited }));
      const off = await request(ui.emitWithAck('library:settings', { id: item.id, allowSimultaneous: false }));
      assert.equal(off.allowSimultaneous, false);
      assert.equal(off.yaml, edited);
      const unknown = await ui.emitWithAck('library:settings', { id: 'no-such-item', allowSimultaneous: true });
      assert.equal(unknown.ok ? '' : unknown.error.code, 'not-found');
      const badSetting = await ui.emitWithAck('library:settings', { id: item.id, allowSimultaneous: 1 } as never);
      assert.equal(badSetting.ok ? '' : badSetting.error.location?.field, 'allowSimultaneous');
    });
  },
);

test(
  "a halted rollout and one awaiting approval still hold their item; the halted run's Retry failed is not refused",
  { timeout: 30_000 },
  async () => {
    await withStack(async ({ ui, agents }) => {
      const [a1, a2] = agents as [FakeAgent, FakeAgent];
      const yaml = '- targets: [a1, a2]\n  serial: 1\n  jobs:\n  - RUN: echo wave\n';
      const item = await request(ui.emitWithAck('library:save', { name: 'waves', yaml }));
      const submission: RunSubmission = {
        kind: 'orchestrate',
        source: 'waves.yaml',
        sourceText: yaml,
        libraryId: item.id,
        entries: [{ targets: ['a1', 'a2'], serial: 1, jobs: [{ verb: 'RUN', text: 'echo wave' }] }],
      };
      const run = await request(ui.emitWithAck('runs:submit', submission));
      const [job] = await a1.waitForJobs(1);
      await a1.complete(job!, 'failed');
      await until('the rollout to halt', async () => (await request(ui.emitWithAck('runs:get', run.runId))).status === 'halted');
      assert.equal(a2.dispatched.length, 0);
      const refused = await ui.emitWithAck('runs:submit', submission);
      assert.equal(refused.ok ? '' : refused.error.code, 'already-running', 'halted is not finished');
      // Retry is part of the halted run (which holds the item): its linked run starts.
      const retried = await request(ui.emitWithAck('rollouts:act', { runId: run.runId, action: 'retry' }));
      assert.ok(retried.retryRunId, 'the retry run started');
      const retryJob = (await a1.waitForJobs(2))[1];
      assert.equal(retryJob?.runId, retried.retryRunId);
      await a1.complete(retryJob!);
      const [wave2] = await a2.waitForJobs(1);
      await a2.complete(wave2!);
      await until('the retried run to finish', async () => (await request(ui.emitWithAck('runs:get', run.runId))).finishedAt !== null);

      const approving = { ...submission, entries: [{ ...submission.entries[0]!, approve: true }] };
      const next = await request(ui.emitWithAck('runs:submit', approving));
      const job3 = (await a1.waitForJobs(3))[2];
      await a1.complete(job3!);
      await until(
        'the rollout to await approval',
        async () => (await request(ui.emitWithAck('runs:get', next.runId))).status === 'awaiting-approval',
      );
      const waiting = await ui.emitWithAck('runs:submit', submission);
      assert.match(
        waiting.ok ? '' : waiting.error.message,
        new RegExp(`already running as run ${next.runId}`),
        'awaiting approval is not finished',
      );
      await request(ui.emitWithAck('rollouts:act', { runId: next.runId, action: 'abort' }));
      await until('the aborted run to finish', async () => (await request(ui.emitWithAck('runs:get', next.runId))).finishedAt !== null);
      await request(ui.emitWithAck('runs:submit', submission));
    });
  },
);

test(
  'a schedule fire while its item runs is skipped, recorded and notified as a failure; a trigger is refused with 409 likewise',
  { timeout: 30_000 },
  async () => {
    await withStack(async ({ server, ui, agents, fires, now, hooks, hookUrl }) => {
      const [a1] = agents as [FakeAgent, FakeAgent];
      const item = await request(ui.emitWithAck('library:save', { name: 'patching', yaml: YAML }));
      await request(
        ui.emitWithAck('notify:add', { name: 'ops', channel: { kind: 'webhook', url: hookUrl }, on: ['failed'], library: 'patching' }),
      );
      // overlap: allow, so only the item's setting can hold the fire back.
      await request(
        ui.emitWithAck('schedules:add', {
          name: 'nightly',
          cron: '*/5 * * * *',
          source: { library: 'patching' },
          target: 'a1',
          overlap: 'allow',
        }),
      );
      const running = await request(ui.emitWithAck('runs:submit', deployOf(item.id)));
      await a1.waitForJobs(1);

      now.t = T0 + 5 * MIN;
      await server.schedulerTick();
      assert.deepEqual(
        fires.map((f) => [f.outcome, f.runId, f.detail]),
        [
          [
            'skipped-running',
            running.runId,
            `library item patching is already running as run ${running.runId}; allow simultaneous runs in its settings`,
          ],
        ],
      );
      assert.equal((await request(ui.emitWithAck('runs:list', { requestedBy: 'schedule:nightly' }))).length, 0);
      const [schedule] = await request(ui.emitWithAck('schedules:list'));
      assert.equal(schedule?.lastFiredAt, T0 + 5 * MIN, 'the fire time is handled (not retried at the next tick)');
      await server.schedulerTick();
      assert.equal(fires.length, 1);
      await until('the first notification', () => hooks.length === 1);
      assert.equal(hooks[0]?.event, 'failed');
      assert.equal(hooks[0]?.libraryId, item.id);
      assert.equal(hooks[0]?.run.requestedBy, 'schedule:nightly');
      assert.deepEqual(hooks[0]?.notStarted, { reason: fires[0]!.detail, runningRunId: running.runId });
      const deliveries = await request(ui.emitWithAck('notify:deliveries', { name: 'ops' }));
      assert.equal(deliveries[0]?.status, 'delivered');

      const trigger = await request(ui.emitWithAck('triggers:add', { name: 'ci', source: { library: 'patching' }, target: 'a1' }));
      const post = () => fetch(`${server.url}${trigger.path}`, { method: 'POST', headers: { authorization: `Bearer ${trigger.secret}` } });
      const refused = await post();
      assert.equal(refused.status, 409);
      const body = (await refused.json()) as { ok: false; error: { code: string; message: string } };
      assert.equal(body.error.code, 'already-running');
      assert.match(body.error.message, new RegExp(`already running as run ${running.runId}`));
      const audited = await request(ui.emitWithAck('audit:list', { action: 'trigger:fire' }));
      assert.ok(
        audited.some((e) => e.user === 'trigger:ci' && e.result === 'error' && e.detail.includes(running.runId)),
        'the refusal is in the audit log',
      );
      await until('the second notification', () => hooks.length === 2);
      assert.equal(hooks[1]?.run.requestedBy, 'trigger:ci');
      assert.equal(hooks[1]?.notStarted?.runningRunId, running.runId);

      // With the setting both start while the first run still runs.
      await request(ui.emitWithAck('library:save', { id: item.id, name: 'patching', yaml: YAML, allowSimultaneous: true }));
      assert.equal((await post()).status, 202);
      now.t = T0 + 10 * MIN;
      await server.schedulerTick();
      assert.equal(fires.at(-1)?.outcome, 'run');
      const dispatched = await a1.waitForJobs(3);

      // The console's run is linked to the item (its source is a file name): the item's notification sees its failure.
      await a1.complete(
        dispatched.find((j) => j.runId === running.runId)!,
        'failed',
      );
      await until('the failed run to be notified', () => hooks.some((h) => h.run.runId === running.runId));
      const failed = hooks.find((h) => h.run.runId === running.runId);
      assert.equal(failed?.event, 'failed');
      assert.equal(failed?.libraryId, item.id);
      assert.equal(failed?.notStarted, undefined);
    });
  },
);

test('the item stays held across a server restart (the open run is read from SQLite)', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-simultaneous-restart-'));
  try {
    const start = () => createServer({ dataDir, port: 0, log: silentLogger, components: testComponents });
    let server = await start();
    let ui = await connectUi(server);
    const agent = new FakeAgent(server, 'a1');
    await agent.start();
    const item = await request(ui.emitWithAck('library:save', { name: 'web', yaml: YAML }));
    const first = await request(ui.emitWithAck('runs:submit', deployOf(item.id)));
    await agent.waitForJobs(1);
    agent.close();
    ui.close();
    await server.close();
    server = await start();
    ui = await connectUi(server);
    try {
      const again = await ui.emitWithAck('runs:submit', deployOf(item.id));
      assert.equal(again.ok ? '' : again.error.code, 'already-running');
      assert.match(again.ok ? '' : again.error.message, new RegExp(first.runId));
    } finally {
      ui.close();
      await server.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
