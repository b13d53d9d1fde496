/**
 * Bad input table, part 2 (issue #5): what a peer sends over the wire — `/ui` requests, `/agent`
 * messages, credentials, connection floods — against a real server process with two real agents.
 * Each case asserts the exact refusal (code, and the field or value named in the message) and
 * then {@link undisturbed}: a normal job still succeeds on both real agents.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TObject, TSchema } from '@sinclair/typebox';
import { RunSubmissionSchema, type RunSubmission } from '../../protocol/jobs.js';
import { LIMITS, PROTOCOL_VERSION } from '../../protocol/version.js';
import { connectUi, eventually, marker, req, withTimeout, type Cluster } from '../integration/harness.js';
import { askUi, connectRefusal, counts, rawAgent, startCluster, submitRun, undisturbed, type RawAgent } from './support.js';

/** A value of the wrong type for a schema (a number for a string, a string for anything else). */
function wrongValue(schema: TSchema): unknown {
  const { type, anyOf } = schema as { type?: string; anyOf?: TSchema[] };
  // A union: a value of a JSON type none of its members takes (`serial` takes numbers, strings and arrays).
  if (anyOf) {
    const typesOf = (s: TSchema): string[] => {
      const m = s as { type?: string; anyOf?: TSchema[] };
      return m.anyOf ? m.anyOf.flatMap(typesOf) : [m.type === 'integer' ? 'number' : String(m.type)];
    };
    const taken = new Set(typesOf(schema));
    const candidates: [string, unknown][] = [
      ['number', 42],
      ['boolean', true],
      ['object', { wrong: true }],
      ['string', 'not-the-right-type'],
    ];
    return candidates.find(([t]) => !taken.has(t))?.[1] ?? null;
  }
  if (type === 'string') return 42;
  return 'not-the-right-type';
}

/** Every (path, wrong value) of a submission: its own fields, an entry's and a job's. */
function wrongTypeRows(): { field: string; submission: unknown }[] {
  const base = (): Record<string, unknown> => ({ kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo x' }] }] });
  const rows: { field: string; submission: unknown }[] = [];
  const props = (s: TSchema) => (s as TObject).properties;
  const entrySchema = (props(RunSubmissionSchema).entries as unknown as { items: TSchema }).items;
  const jobSchema = (props(entrySchema).jobs as unknown as { items: TSchema }).items;
  for (const [name, schema] of Object.entries(props(RunSubmissionSchema))) {
    const s = base();
    s[name] = wrongValue(schema);
    rows.push({ field: name, submission: s });
  }
  for (const [name, schema] of Object.entries(props(entrySchema))) {
    const s = base();
    (s.entries as Record<string, unknown>[])[0]![name] = wrongValue(schema);
    rows.push({ field: `entries.0.${name}`, submission: s });
  }
  for (const [name, schema] of Object.entries(props(jobSchema))) {
    const s = base();
    (s.entries as { jobs: Record<string, unknown>[] }[])[0]!.jobs[0]![name] = wrongValue(schema);
    rows.push({ field: `entries.0.jobs.0.${name}`, submission: s });
  }
  return rows;
}

function httpGet(url: string, localAddress: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(url, { localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('bad input: the wire (real server, 2 agents)', { timeout: 300_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await startCluster();
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('wrong types in every field of runs:submit: invalid-payload naming the field; nothing stored', { timeout: 60_000 }, async () => {
    const rows = wrongTypeRows();
    assert.ok(rows.length >= 20, `${rows.length} fields`);
    const before = await counts(c);
    for (const row of rows) {
      const r = await askUi(c, 'runs:submit', row.submission);
      assert.equal(r.ok, false, row.field);
      if (r.ok) continue;
      assert.equal(r.error.code, 'invalid-payload', `${row.field}: ${r.error.message}`);
      assert.equal(r.error.location?.field, row.field, `${row.field}: ${r.error.message}`);
      assert.match(r.error.message, new RegExp(`^runs:submit: field ${row.field.replaceAll('.', '\\.')}: `), row.field);
    }
    assert.deepEqual(await counts(c), before, 'nothing was stored');
    await undisturbed(c);
  });

  test('path traversal in an ADD source name (the destination file name): refused naming the field', { timeout: 30_000 }, async () => {
    const sha = 'a'.repeat(56);
    for (const name of ['../../etc/cron.d/evil', '..', 'a/b', '.']) {
      const submission: RunSubmission = {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'ADD', text: 'x /tmp/', files: [{ name, sha, size: 1, mode: 0o644 }] }] }],
      };
      const r = await askUi(c, 'runs:submit', submission);
      assert.equal(r.ok, false, name);
      if (r.ok) continue;
      assert.equal(r.error.code, 'invalid-payload');
      assert.equal(r.error.location?.field, 'entries.0.jobs.0.files.0.name', r.error.message);
    }
    await undisturbed(c);
  });

  test(
    'path traversal in blob ids (/ui blobs:put and blobs:has, /agent blob:get): refused as invalid, nothing read or written',
    { timeout: 30_000 },
    async () => {
      for (const sha of ['../agent.key', '../../../etc/passwd', 'A'.repeat(56), `${'a'.repeat(55)}/`]) {
        const put = await askUi(c, 'blobs:put', { sha, size: 4, offset: 0, content: Buffer.from('evil').toString('base64') });
        assert.equal(put.ok, false);
        if (!put.ok) assert.deepEqual([put.error.code, put.error.location?.field], ['invalid-payload', 'sha'], put.error.message);
        const has = await askUi(c, 'blobs:has', { shas: [sha] });
        assert.equal(has.ok, false);
        if (!has.ok) assert.deepEqual([has.error.code, has.error.location?.field], ['invalid-payload', 'shas.0'], has.error.message);
      }
      const a = rawAgent(c);
      const raw = await a.connect();
      try {
        assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
        const got = await a.emit(raw, 'blob:get', { sha: '../agent.key', jobId: '00000000-0000-4000-8000-000000000000', offset: 0 });
        assert.deepEqual([got.ok, got.error?.code, got.error?.location?.field], [false, 'invalid-payload', 'sha'], got.error?.message);
        // A well-formed id of a blob no job of this agent lists: forbidden, never read.
        const other = await a.emit(raw, 'blob:get', { sha: 'b'.repeat(56), jobId: '00000000-0000-4000-8000-000000000000', offset: 0 });
        assert.equal(other.error?.code, 'forbidden', other.error?.message);
      } finally {
        raw.close();
      }
      await undisturbed(c);
    },
  );

  test(
    'a wrong console/CLI token: /ui refuses with unauthorized saying where the token is; HTTP answers 401',
    { timeout: 30_000 },
    async () => {
      const refusal = await connectRefusal(connectUi(c.url, 'not-the-token'));
      assert.equal(refusal.code, 'unauthorized');
      assert.match(refusal.message ?? '', /token/);
      const page = await httpGet(`${c.url}/?token=not-the-token`, '127.0.0.1');
      assert.equal(page.status, 401);
      await undisturbed(c);
    },
  );

  test('a wrong agent key: refused with unauthorized naming the key file', { timeout: 30_000 }, async () => {
    const a = rawAgent(c);
    const refusal = await connectRefusal(a.connect({ identity: a.identity, key: 'not-the-key' }));
    assert.equal(refusal.code, 'unauthorized', refusal.message);
    assert.match(refusal.message ?? '', /agent\.key|credential|key/);
    const agents = await req(c.ui, 'agents:list');
    assert.equal(
      agents.some((x) => x.identity === a.identity),
      false,
      'never registered',
    );
    await undisturbed(c);
  });

  test('a wrong protocol version: protocol-mismatch naming both versions', { timeout: 30_000 }, async () => {
    const a = rawAgent(c);
    const raw = await a.connect();
    try {
      const r = await a.emit(raw, 'agent:hello', { ...a.hello, protocolVersion: '99.0' });
      assert.equal(r.error?.code, 'protocol-mismatch', r.error?.message);
      assert.match(r.error?.message ?? '', /99\.0/);
      assert.match(r.error?.message ?? '', new RegExp(PROTOCOL_VERSION.replace('.', '\\.')));
    } finally {
      raw.close();
    }
    await undisturbed(c);
  });

  test('agent messages out of order or malformed: forbidden / invalid-payload naming the field, logged', { timeout: 30_000 }, async () => {
    const a = rawAgent(c);
    const raw = await a.connect();
    try {
      const early = await a.emit(raw, 'job:events', { batch: 0, events: [] });
      assert.deepEqual([early.error?.code, early.error?.message], ['forbidden', 'job:events before agent:hello']);
      const badHello = await a.emit(raw, 'agent:hello', { identity: a.identity, nonsense: true });
      assert.equal(badHello.error?.code, 'invalid-payload');
      assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
      const badBatch = await a.emit(raw, 'job:events', { batch: 'x', events: [] });
      assert.deepEqual([badBatch.error?.code, badBatch.error?.location?.field], ['invalid-payload', 'batch'], badBatch.error?.message);
      const badEvent = await a.emit(raw, 'job:events', {
        batch: 1,
        events: [{ type: 'output', jobId: 'x', stream: 'stdin', seq: 0, data: 'z' }],
      });
      assert.equal(badEvent.error?.code, 'invalid-payload');
      assert.match(badEvent.error?.location?.field ?? '', /^events\.0/, badEvent.error?.message);
      await eventually(
        'the refusals in the server log',
        () => (a.warnings().filter((l) => l.includes('agent message refused')).length >= 4 ? true : undefined),
        3000,
      );
    } finally {
      raw.close();
    }
    await undisturbed(c);
  });

  /** A raw agent with one job dispatched to it. */
  async function agentWithJob(): Promise<{ a: ReturnType<typeof rawAgent>; raw: RawAgent; jobId: string }> {
    const a = rawAgent(c);
    const raw = await a.connect();
    const dispatched = new Promise<string>((resolve) => {
      raw.on('job:dispatch', (jobs, ack) => {
        ack({ ok: true, value: { accepted: jobs.length } });
        if (jobs[0]) resolve(jobs[0].jobId);
      });
    });
    assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
    const jobId = await submitRun(c, `echo for-${a.identity}`, [a.identity]);
    assert.equal(await withTimeout(dispatched, 5000, 'dispatch'), jobId);
    return { a, raw, jobId };
  }

  test(
    'a replayed or duplicated result batch is applied once; a second, different result for the same job is ignored',
    { timeout: 30_000 },
    async () => {
      const { a, raw, jobId } = await agentWithJob();
      try {
        const now = Date.now();
        const batch = {
          batch: 7,
          events: [
            { type: 'started', jobId, at: now },
            { type: 'output', jobId, stream: 'stdout', seq: 0, data: 'once\n' },
            {
              type: 'finished',
              jobId,
              outcome: 'succeeded',
              info: 'task finished',
              exitCode: 0,
              executionTime: 0.1,
              startedAt: now,
              finishedAt: now,
              stdoutChunks: 1,
              stderrChunks: 0,
            },
          ],
        };
        for (let i = 0; i < 3; i++) assert.equal((await a.emit(raw, 'job:events', batch)).ok, true);
        const other = { batch: 8, events: [{ ...batch.events[2], outcome: 'failed', info: 'forged', exitCode: 1 }] };
        assert.equal((await a.emit(raw, 'job:events', other)).ok, true);
        const [job] = await c.await([jobId]);
        assert.deepEqual([job?.targets[0]?.state, job?.targets[0]?.info, job?.targets[0]?.exitCode], ['succeeded', 'task finished', 0]);
        assert.equal((await c.output(jobId, a.identity)).stdout, 'once\n', 'output stored once');
      } finally {
        raw.close();
      }
      await undisturbed(c);
    },
  );

  test('results for a job given to another agent are ignored; that job is not disturbed', { timeout: 30_000 }, async () => {
    const m = marker();
    const victim = await submitRun(c, `sleep 0.5; echo real-${m}`, ['b1']);
    const a = rawAgent(c);
    const raw = await a.connect();
    try {
      assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
      const now = Date.now();
      const forged = await a.emit(raw, 'job:events', {
        batch: 1,
        events: [
          { type: 'output', jobId: victim, stream: 'stdout', seq: 0, data: 'forged\n' },
          {
            type: 'finished',
            jobId: victim,
            outcome: 'failed',
            info: 'forged',
            exitCode: 9,
            executionTime: 0,
            startedAt: now,
            finishedAt: now,
            stdoutChunks: 1,
            stderrChunks: 0,
          },
        ],
      });
      assert.deepEqual([forged.ok, (forged.value as { applied: number } | undefined)?.applied], [true, 0], 'acked, nothing applied');
    } finally {
      raw.close();
    }
    const [job] = await c.await([victim]);
    assert.deepEqual([job?.targets[0]?.target, job?.targets[0]?.state], ['b1', 'succeeded']);
    assert.equal((await c.output(victim, 'b1')).stdout, `real-${m}\n`);
    await undisturbed(c);
  });

  test('an oversized message (over 8 MiB) drops that connection, logged; it is never buffered', { timeout: 30_000 }, async () => {
    const a = rawAgent(c);
    const raw = await a.connect();
    assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
    const dropped = a.disconnected(raw);
    raw.emit(
      'job:events',
      { batch: 1, events: [{ type: 'output', jobId: 'x', stream: 'stdout', seq: 0, data: 'z'.repeat(LIMITS.maxMessageBytes + 1024) }] },
      () => {},
    );
    assert.match(await dropped, /^transport (close|error)$/);
    await eventually(
      'the oversize drop in the server log',
      () => (a.warnings().some((l) => l.includes('agent connection dropped: malformed or oversized message')) ? true : undefined),
      3000,
    );
    raw.close();
    await undisturbed(c);
  });

  test('a packet that cannot be decoded drops that connection, logged', { timeout: 30_000 }, async () => {
    const a = rawAgent(c);
    const raw = await a.connect();
    assert.equal((await a.emit(raw, 'agent:hello', a.hello)).ok, true);
    const dropped = a.disconnected(raw);
    (raw.io.engine as unknown as { write(data: string): void }).write('2/agent,["job:events",{"batch":');
    await dropped;
    await eventually('a warning about the undecodable packet', () => (a.warnings().length > 0 ? true : undefined), 3000);
    raw.close();
    await undisturbed(c);
  });

  test(
    'a flood of failed connection attempts is rate limited per address, logged once; other clients still get in',
    { timeout: 60_000 },
    async () => {
      // The flood comes from 127.0.0.3 (Linux routes all of 127/8 to loopback), the legitimate
      // agent from 127.0.0.2, and the test's own /ui connection and real agents from 127.0.0.1.
      const flooder = rawAgent(c, `flood-${marker()}`);
      const codes: string[] = [];
      let limited: { code?: string; message?: string } | undefined;
      const floodStart = Date.now();
      for (let i = 0; i < 40; i++) {
        const r = await connectRefusal(flooder.connect({ identity: flooder.identity, key: `guess-${i}` }, { localAddress: '127.0.0.3' }));
        codes.push(r.code ?? '?');
        if (r.code === 'rate-limited') limited ??= r;
      }
      // A burst of 20 failures, then refused; a try comes back every 2 s (0.5 per second).
      const earned = Math.ceil(((Date.now() - floodStart) / 1000) * 0.5) + 1;
      assert.deepEqual(codes.slice(0, 20), Array(20).fill('unauthorized'), codes.join(','));
      assert.ok(codes.slice(20).filter((x) => x === 'unauthorized').length <= earned, codes.join(','));
      assert.ok(
        codes.slice(20).every((x) => x === 'unauthorized' || x === 'rate-limited'),
        codes.join(','),
      );
      assert.ok(codes.filter((x) => x === 'rate-limited').length >= 20 - earned, codes.join(','));
      assert.match(
        limited?.message ?? '',
        /^too many failed attempts from 127\.0\.0\.3: refused without checking for about \d+ s; check the credential and retry later$/,
      );
      // Logged once for the whole flood, not per attempt.
      const floodLines = () =>
        (c.server?.stderr ?? '')
          .split('\n')
          .filter((l) => l.includes('connection attempts refused: too many failed attempts') && l.includes('127.0.0.3'));
      assert.equal(floodLines().length, 1, floodLines().join('\n'));

      // A legitimate agent from another address connects during the flood and is greeted.
      const good = rawAgent(c, `legit-${marker()}`);
      const raw = await good.connect(undefined, { localAddress: '127.0.0.2' });
      assert.equal((await good.emit(raw, 'agent:hello', good.hello)).ok, true);
      raw.close();

      // HTTP: wrong tokens in the console URL from one address turn into 429 with Retry-After.
      const statuses: number[] = [];
      let last: { status: number; retryAfter: string | undefined; body: string } | undefined;
      for (let i = 0; i < 25; i++) {
        const r = await httpGet(`${c.url}/?token=guess-${i}`, '127.0.0.4');
        statuses.push(r.status);
        if (r.status === 429) last ??= r;
      }
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401), statuses.join(','));
      assert.ok(statuses.slice(20).every((x) => x === 401 || x === 429) && statuses.includes(429), statuses.join(','));
      assert.match(last?.retryAfter ?? '', /^\d+$/);
      assert.match(last?.body ?? '', /^rate-limited: too many failed attempts from 127\.0\.0\.4/);
      // Other addresses are served as usual.
      assert.equal((await httpGet(`${c.url}/healthz`, '127.0.0.5')).status, 200);
      await undisturbed(c);
    },
  );
});
