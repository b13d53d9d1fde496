/**
 * Secrets on the server's side of the job flow (issue #18), with a scripted agent: the value goes
 * only in the dispatched message (again on a resend), never in the stored job; what an agent sends
 * back unmasked (an old or broken agent) is masked before it is stored or broadcast.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../protocol/log.js';
import type { OutputAppended } from '../../protocol/ui-events.js';
import { connectUi, eventually, FakeAgent, request, startTestServer } from '../testing/harness.js';
import { maskedLogger } from './masked-log.js';

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

test('the value travels only in the dispatch; an unmasked report is masked before storage and consoles', { timeout: 30_000 }, async () => {
  const t = await startTestServer();
  const value = `v4lue-${randomBytes(16).toString('hex')}`;
  const ui = await connectUi(t.server);
  let agent = new FakeAgent(t.server, 'node-a', { autoAck: false });
  try {
    await request(ui.emitWithAck('secrets:set', { name: 'API_KEY', value }));
    await agent.start();
    const live: OutputAppended[] = [];
    ui.on('output:appended', (chunks) => live.push(...chunks));
    await request(ui.emitWithAck('ui:subscribe', { outputOf: '*' }));
    const submitted = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        entries: [
          {
            jobs: [
              { verb: 'RUN', text: 'use {{ secrets.API_KEY }}' },
              { verb: 'RUN', text: 'plain' },
            ],
          },
        ],
      }),
    );
    const [withSecret, plain] = await agent.waitForJobs(2);
    assert.deepEqual(withSecret?.secrets, [{ name: 'API_KEY', value }], 'the job that uses it carries the value');
    assert.equal(plain?.secrets, undefined, 'the other job carries none');
    assert.equal(withSecret?.args.command, 'use {{ secrets.API_KEY }}');

    // Not acknowledged: on the next hello the queued job is sent again, with the value again.
    agent.close();
    agent = new FakeAgent(t.server, 'node-a');
    await agent.start();
    const [resent] = await agent.waitForJobs(1);
    assert.equal(resent?.jobId, withSecret?.jobId);
    assert.deepEqual(resent?.secrets, [{ name: 'API_KEY', value }]);

    // An agent that does not mask: the server does.
    const jobId = withSecret!.jobId;
    const now = Date.now();
    const sent = await agent.send([
      { type: 'started', jobId, at: now },
      { type: 'output', jobId, stream: 'stdout', seq: 0, data: `key=${value}\n` },
      { type: 'output', jobId, stream: 'stderr', seq: 0, data: `${value}${value}\n` },
      {
        type: 'finished',
        jobId,
        outcome: 'succeeded',
        info: `use ${value}`,
        exitCode: 0,
        executionTime: 0.1,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 1,
        stderrChunks: 1,
      },
    ]);
    assert.ok(sent.ok);
    const output = await request(ui.emitWithAck('jobs:output', { jobId, target: 'node-a' }));
    assert.equal(output.stdout, 'key=[secret:API_KEY]\n');
    assert.equal(output.stderr, '[secret:API_KEY][secret:API_KEY]\n');
    const job = await request(ui.emitWithAck('jobs:get', jobId));
    assert.equal(job.targets[0]?.info, 'use [secret:API_KEY]');
    assert.equal(job.text, 'use {{ secrets.API_KEY }}');
    assert.ok(!JSON.stringify(job).includes(value));
    const shown = await eventually('live output', () => (live.filter((l) => l.jobId === jobId).length >= 2 ? live : undefined), 5000);
    assert.ok(
      shown.every((l) => !l.data.includes(value)),
      'consoles never got the value',
    );
    assert.ok(submitted.runId);
    for (const file of files(t.dataDir)) assert.ok(!readFileSync(file).includes(value), `${file} holds the value`);
  } finally {
    agent.close();
    ui.close();
    await t.stop();
  }
});

test('log lines and audit rows are masked too (a value typed into a request, a value in log fields)', { timeout: 30_000 }, async () => {
  const lines: string[] = [];
  const t = await startTestServer({ log: createLogger('directord:server', (line) => void lines.push(line), 'debug') });
  const value = `typed-${randomBytes(16).toString('hex')}`;
  const ui = await connectUi(t.server);
  try {
    await request(ui.emitWithAck('secrets:set', { name: 'TYPED', value }));
    // Someone pastes the value itself into a job: the audit row of the request shows the mask.
    await ui.emitWithAck('runs:submit', {
      kind: 'exec',
      entries: [{ jobs: [{ verb: 'RUN', text: `echo ${value}` }] }],
      targets: ['nowhere'],
    });
    const rows = await request(ui.emitWithAck('audit:list', {}));
    const row = rows.find((r) => r.action.includes('submit') || r.params.includes('[secret:TYPED]'));
    assert.ok(row, JSON.stringify(rows));
    assert.match(row.params, /echo \[secret:TYPED\]/);
    assert.ok(!JSON.stringify(rows).includes(value));
  } finally {
    ui.close();
    await t.stop();
  }
  // The server's log, through the masked logger it wraps every line with.
  const seen: string[] = [];
  const log = maskedLogger(
    createLogger('x', (line) => void seen.push(line)),
    () => (text) => text.replaceAll('hunter22', '[secret:P]'),
  );
  log.child('jobs').warn('failed: hunter22', { nested: { list: ['a hunter22 b'] }, n: 1 });
  assert.equal(seen.length, 1);
  assert.ok(
    !seen[0]!.includes('hunter22') && seen[0]!.includes('failed: [secret:P] {"nested":{"list":["a [secret:P] b"]},"n":1}'),
    seen[0],
  );
  assert.ok(lines.length > 0 && !lines.join('').includes(value), 'the server logged, never the value');
});
