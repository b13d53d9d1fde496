/**
 * Type tests of the event maps (checked by `tsc -p tsconfig.test.json`, part of `npm test`'s typecheck):
 * each `@ts-expect-error` line must be an error, so a map loosened to `any`, an event renamed on one side
 * only, or a request helper that stops stripping the ack fails the typecheck. The runtime part checks
 * the envelope guard every client reads acks through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import type { AgentToServerEvents, ServerToAgentEvents } from './agent-events.js';
import type { AgentInfo } from './agents.js';
import type { RunDetail } from './records.js';
import { fail, isResult, ok, type RequestArgsOf, type RequestValueOf, type Result } from './result.js';
import type { ServerToUiEvents, UiRequestArgs, UiRequestValue, UiToServerEvents } from './ui-events.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(check: Equal<A, B>) => check;

// The request helpers strip the ack and read its value.
same<UiRequestArgs<'runs:get'>, [runId: string]>(true);
same<UiRequestValue<'runs:get'>, RunDetail>(true);
same<UiRequestArgs<'agents:list'>, []>(true);
same<UiRequestValue<'agents:list'>, AgentInfo[]>(true);
same<RequestValueOf<AgentToServerEvents, 'agent:hello'>, RequestValueOf<AgentToServerEvents, 'agent:hello'>>(true);
// @ts-expect-error the value of runs:get is a RunDetail, not a list
same<UiRequestValue<'runs:get'>, AgentInfo[]>(true);
// @ts-expect-error an event with no ack is no request: its args are never
same<RequestArgsOf<ServerToAgentEvents, 'job:cancel'>, [jobIds: string[]]>(true);

/** Never called: only type-checked. */
export function consoleSocketChecks(ui: Socket<ServerToUiEvents, UiToServerEvents>): void {
  ui.emit('runs:get', 'run-1', (r) => {
    if (r.ok) same<typeof r.value, RunDetail>(true);
  });
  // @ts-expect-error runs:get takes a run id string
  ui.emit('runs:get', 42, () => {});
  // @ts-expect-error no such request
  ui.emit('runs:nope', () => {});
  // @ts-expect-error the console cannot send an agent's events
  ui.emit('agent:heartbeat', { at: 0 });
  ui.on('agent:updated', (info) => {
    const seen: AgentInfo = info;
    void seen;
  });
  // @ts-expect-error the server sends the console no job dispatch
  ui.on('job:dispatch', () => {});
}

/** Never called: only type-checked. */
export function agentSocketChecks(agent: Socket<ServerToAgentEvents, AgentToServerEvents>): void {
  agent.on('job:dispatch', (jobs, ack) => ack(ok({ accepted: jobs.length })));
  // @ts-expect-error the ack of job:dispatch carries { accepted }
  agent.on('job:dispatch', (_jobs, ack) => ack(ok({ applied: 1 })));
  // @ts-expect-error an agent cannot ask for the console's run list
  agent.emit('runs:list', {}, () => {});
}

test('isResult accepts the two envelopes and nothing else', () => {
  const good: Result<number>[] = [ok(1), fail('internal', 'x')];
  for (const r of good) assert.equal(isResult<number>(r), true);
  for (const bad of [null, undefined, 1, 'ok', {}, { ok: true }, { ok: false }, { ok: false, error: null }, { ok: 'yes', value: 1 }])
    assert.equal(isResult(bad), false, JSON.stringify(bad));
});
