/**
 * A scoped operator (issue #18) on every request that starts or changes work on hosts, with the
 * scope in the inventory language (`web:&label:env=prod`): re-run on the same hosts and on the
 * current inventory, cancel, and a rollout's approve / resume / retry / abort. Each is refused
 * when the run reaches a host outside the scope, naming it, with nothing dispatched or cancelled;
 * inside the scope the same requests work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Result } from '../../protocol/result.js';
import type { RunRollout } from '../../protocol/rollouts.js';
import type { ApiTokenCreated } from '../../protocol/teams.js';
import { eventually, FakeAgent, sleep, startTestServer, type TestServer } from '../testing/harness.js';

type Answer = Readonly<{ status: number; result: Result<unknown> }>;
const SCOPE = 'web:&label:env=prod';
const RUN = { verb: 'RUN', text: 'true' };

describe('a scoped operator on re-runs, cancel and rollouts', { timeout: 90_000 }, () => {
  let t: TestServer;
  let sam = '';
  const agents = new Map<string, FakeAgent>();

  const api = async (token: string, event: string, payload: unknown): Promise<Answer> => {
    const res = await fetch(`${t.server.url}/api/ui/${encodeURIComponent(event)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return { status: res.status, result: (await res.json()) as Result<unknown> };
  };
  const value = async <T>(a: Promise<Answer>): Promise<T> => {
    const r = (await a).result;
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  const admin = (event: string, payload: unknown) => api(t.server.cliToken, event, payload);
  const count = (...hosts: string[]) => hosts.reduce((n, h) => n + (agents.get(h)?.dispatched.length ?? 0), 0);
  const dispatched = () => Object.fromEntries([...agents].map(([n, a]) => [n, a.dispatched.length]));
  const cancelled = () => [...agents.values()].reduce((n, a) => n + a.cancelled.length, 0);
  const runCount = async () => (await value<unknown[]>(admin('runs:list', {}))).length;
  /** Runs every job dispatched so far that has not been answered, with this outcome (keyed by agent: one job id goes to each of its hosts). */
  const answered = new Set<string>();
  const completeAll = async (outcome: 'succeeded' | 'failed' = 'succeeded') => {
    for (const a of agents.values())
      for (const job of a.dispatched)
        if (!answered.has(`${a.identity} ${job.jobId}`)) {
          answered.add(`${a.identity} ${job.jobId}`);
          await a.complete(job, outcome);
        }
  };
  /** Until each of `hosts` has a dispatched job not answered yet. */
  const pendingOn = (...hosts: string[]) =>
    eventually(`jobs on ${hosts.join(', ')}`, () =>
      hosts.every((h) => agents.get(h)?.dispatched.some((j) => !answered.has(`${h} ${j.jobId}`))) ? true : undefined,
    );
  const settled = (runId: string) =>
    eventually(`run ${runId} settled`, async () => {
      const r = await value<{ finishedAt: number | null }>(admin('runs:get', runId));
      return r.finishedAt !== null ? true : undefined;
    });
  const refused = (a: Answer, host: string) => {
    assert.equal(a.status, 403, JSON.stringify(a.result));
    assert.match(
      a.result.ok ? '' : a.result.error.message,
      new RegExp(`^forbidden: operator sam may not reach ${host} \\(outside the scope web:&label:env=prod\\)`),
    );
  };

  before(async () => {
    t = await startTestServer();
    for (const name of ['web1', 'web2', 'web3', 'db1']) {
      const a = new FakeAgent(t.server, name);
      await a.start();
      agents.set(name, a);
    }
    await value(
      admin('inventory:edit', {
        ops: [
          { op: 'add-to-group', group: 'web', hosts: ['web1', 'web2', 'web3'] },
          { op: 'set-label', hosts: ['web1', 'web2'], key: 'env', value: 'prod' },
        ],
      }),
    );
    await value(admin('users:add', { name: 'sam', role: 'operator', scope: SCOPE, password: 'correct horse battery' }));
    sam = (await value<ApiTokenCreated>(admin('tokens:create', { user: 'sam' }))).token;
  });
  after(async () => {
    for (const a of agents.values()) a.close();
    await t?.stop();
  });

  test('runs:submit: the inventory language decides (group and label), nothing dispatched outside', async () => {
    const before = dispatched();
    refused(await api(sam, 'runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['web'] }), 'web3');
    await sleep(150);
    assert.deepEqual(dispatched(), before);
    const inside = await value<{ runId: string }>(
      api(sam, 'runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['label:env=prod'] }),
    );
    await pendingOn('web1', 'web2');
    await completeAll();
    await settled(inside.runId);
  });

  test('runs:rerun on the same hosts: refused when the run reached a host outside, nothing dispatched', async () => {
    const wide = await value<{ runId: string }>(
      admin('runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['web1', 'db1'] }),
    );
    await pendingOn('web1', 'db1');
    await completeAll('failed');
    await settled(wide.runId);
    const before = dispatched();
    const runs = await runCount();
    refused(await api(sam, 'runs:rerun', { runId: wide.runId }), 'db1');
    refused(await api(sam, 'runs:rerun', { runId: wide.runId, failedOnly: true }), 'db1');
    await sleep(150);
    assert.deepEqual(dispatched(), before, 'nothing was dispatched');
    assert.equal(await runCount(), runs, 'nothing was stored');
    // A run inside the scope re-runs.
    const narrow = await value<{ runId: string }>(admin('runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['web1'] }));
    await pendingOn('web1');
    await completeAll();
    await settled(narrow.runId);
    const again = await value<{ runId: string }>(api(sam, 'runs:rerun', { runId: narrow.runId }));
    await pendingOn('web1');
    await completeAll();
    await settled(again.runId);
  });

  test('runs:rerun on the current inventory: the patterns resolve again, and a host that joined outside the scope is refused', async () => {
    const run = await value<{ runId: string }>(
      api(sam, 'runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['label:env=prod'] }),
    );
    await pendingOn('web1', 'web2');
    await completeAll();
    await settled(run.runId);
    // db1 gets the label: the pattern now reaches it, the scope (group web) does not.
    await value(admin('inventory:edit', { ops: [{ op: 'set-label', hosts: ['db1'], key: 'env', value: 'prod' }] }));
    try {
      const before = dispatched();
      refused(await api(sam, 'runs:rerun', { runId: run.runId, currentInventory: true }), 'db1');
      await sleep(150);
      assert.deepEqual(dispatched(), before, 'nothing was dispatched');
      // The same hosts as before are all inside.
      const same = await value<{ runId: string }>(api(sam, 'runs:rerun', { runId: run.runId }));
      await pendingOn('web1', 'web2');
      assert.equal(dispatched().db1, before.db1);
      await completeAll();
      await settled(same.runId);
    } finally {
      await value(admin('inventory:edit', { ops: [{ op: 'set-label', hosts: ['db1'], key: 'env', value: null }] }));
    }
  });

  test('runs:cancel of a run that reaches a host outside the scope is refused, nothing cancelled', async () => {
    const run = await value<{ runId: string }>(
      admin('runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['web1', 'db1'] }),
    );
    await pendingOn('web1', 'db1');
    const before = cancelled();
    const answer = await api(sam, 'runs:cancel', run.runId);
    refused(answer, 'db1');
    assert.match(answer.result.ok ? '' : answer.result.error.message, new RegExp(`run ${run.runId} was left as it was$`));
    await sleep(150);
    assert.equal(cancelled(), before, 'nothing was cancelled');
    assert.equal((await value<{ finishedAt: number | null }>(admin('runs:get', run.runId))).finishedAt, null, 'still running');
    await completeAll();
    await settled(run.runId);
    // Inside the scope, cancel works.
    const mine = await value<{ runId: string }>(api(sam, 'runs:submit', { kind: 'exec', entries: [{ jobs: [RUN] }], targets: ['web1'] }));
    await pendingOn('web1');
    assert.ok((await value<{ cancelled: number }>(api(sam, 'runs:cancel', mine.runId))).cancelled >= 1);
    for (const a of agents.values()) for (const j of a.dispatched) answered.add(`${a.identity} ${j.jobId}`);
  });

  test('a rollout reaching a host outside the scope: approve, abort, resume and retry are refused, no wave released', async () => {
    const rollout = (runId: string) => value<RunRollout>(admin('rollouts:get', runId));
    const until = (runId: string, state: string) =>
      eventually(`rollout ${state}`, async () => ((await rollout(runId)).state === state ? true : undefined));
    const start = async (keys: Record<string, unknown>) => {
      const before = Object.values(dispatched()).reduce((a, b) => a + b, 0);
      const run = await value<{ runId: string }>(
        admin('runs:submit', { kind: 'orchestrate', entries: [{ targets: ['web1', 'db1'], serial: 1, ...keys, jobs: [RUN] }] }),
      );
      await eventually('wave 1 dispatched', () => (Object.values(dispatched()).reduce((a, b) => a + b, 0) > before ? true : undefined));
      return run.runId;
    };
    const waiting = await start({ approve: true });
    await completeAll();
    await until(waiting, 'awaiting-approval');
    const halted = await start({});
    await completeAll('failed');
    await until(halted, 'halted');
    const before = dispatched();
    const runs = await runCount();
    for (const [runId, action] of [
      [waiting, 'approve'],
      [waiting, 'abort'],
      [halted, 'resume'],
      [halted, 'retry'],
      [halted, 'abort'],
    ] as const) {
      refused(await api(sam, 'rollouts:act', { runId, action }), 'db1');
    }
    await sleep(200);
    assert.deepEqual(dispatched(), before, 'no wave was released, no retry dispatched');
    assert.equal(await runCount(), runs, 'no retry run was stored');
    assert.equal((await rollout(waiting)).state, 'awaiting-approval');
    assert.equal((await rollout(halted)).state, 'halted');
    // The local admin still can.
    await value(admin('rollouts:act', { runId: waiting, action: 'abort' }));
    await value(admin('rollouts:act', { runId: halted, action: 'abort' }));
  });

  test('a rollout inside the scope: the scoped operator approves it', async () => {
    const before = count('web1', 'web2');
    const run = await value<{ runId: string }>(
      api(sam, 'runs:submit', { kind: 'orchestrate', entries: [{ targets: ['web1', 'web2'], serial: 1, approve: true, jobs: [RUN] }] }),
    );
    await eventually('wave 1', () => (count('web1', 'web2') > before ? true : undefined));
    await completeAll();
    await eventually('awaiting approval', async () =>
      (await value<RunRollout>(admin('rollouts:get', run.runId))).state === 'awaiting-approval' ? true : undefined,
    );
    await value(api(sam, 'rollouts:act', { runId: run.runId, action: 'approve' }));
    await eventually('wave 2', () => (count('web1', 'web2') > before + 1 ? true : undefined));
    await completeAll();
    await settled(run.runId);
  });
});
