/**
 * Blob garbage collection: unit passes over a real blob folder and SQLite history (batches,
 * grace period, partial uploads, `blobs:has` touching), and on a real server: a blob stays while a
 * job lists it and goes once `jobs:purge` removed that history.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { builtinComponents } from '../../components/builtin/index.js';
import type { RunSubmission, SourceFile } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import { migrate } from '../store/sqlite/migrate.js';
import { migrations } from '../store/sqlite/migrations/index.js';
import { openDb } from '../store/sqlite/open.js';
import { connectUi, eventually, FakeAgent, request, startTestServer } from '../testing/harness.js';
import { createBlobGc } from './blobs.gc.js';
import { createBlobsSql } from '../store/sqlite/blobs.sqlite.js';
import { createBlobStore } from './blobs.store.js';

const HOUR = 60 * 60 * 1000;
const sha3 = (data: string) => createHash('sha3-224').update(data).digest('hex');
const temp = mkdtempSync(join(tmpdir(), 'directord-blob-gc-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** Stores `content` as a blob and dates its file `ageMs` back. */
function storeBlob(dir: string, content: string, ageMs: number): string {
  const sha = sha3(content);
  writeFileSync(join(dir, sha), content, { mode: 0o600 });
  const when = new Date(Date.now() - ageMs);
  utimesSync(join(dir, sha), when, when);
  return sha;
}

describe('blob garbage collection (real files, real SQLite)', () => {
  const dataDir = join(temp, 'unit');
  mkdirSync(dataDir, { recursive: true });
  const db = openDb(join(dataDir, 'directord.db'));
  migrate(db, migrations, silentLogger);
  after(() => db.close());
  const repo = createBlobsSql(db);
  const link = (jobId: string, sha: string) => db.prepare('INSERT INTO job_blobs (job_id, sha) VALUES (?, ?)').run(jobId, sha);
  const store = createBlobStore(join(dataDir, 'blobs'));

  // The collector consults job_blobs only; the unit test links blobs to job ids without job rows.
  db.pragma('foreign_keys = OFF');

  test('deletes only old blobs no job lists, in batches; keeps young and referenced ones; clears stale partials', async () => {
    const old = Array.from({ length: 5 }, (_, i) => storeBlob(store.dir, `old unreferenced ${i}`, 2 * HOUR));
    const referenced = storeBlob(store.dir, 'old but listed by a job', 2 * HOUR);
    link('job-1', referenced);
    const young = storeBlob(store.dir, 'just uploaded, not submitted yet', 5 * 60 * 1000);
    const stalePartial = join(store.dir, '.partial', sha3('abandoned upload'));
    writeFileSync(stalePartial, 'half');
    utimesSync(stalePartial, new Date(Date.now() - 2 * HOUR), new Date(Date.now() - 2 * HOUR));
    const livePartial = join(store.dir, '.partial', sha3('upload in flight'));
    writeFileSync(livePartial, 'half');
    writeFileSync(join(store.dir, 'not-a-blob.txt'), 'left alone');

    let turns = 0;
    const seen: number[] = [];
    const gc = createBlobGc({
      dir: store.dir,
      isReferenced: (sha) => {
        seen.push(turns);
        return repo.isReferenced(sha);
      },
      batchSize: 2,
      log: silentLogger,
    });
    const ticker = setInterval(() => turns++, 0);
    const result = await gc.collect();
    clearInterval(ticker);
    assert.deepEqual(result, { deleted: 5, kept: 1, young: 1, partialsDeleted: 1 });
    for (const sha of old) assert.equal(store.has(sha), false, `${sha} should be deleted`);
    assert.equal(store.has(referenced), true);
    assert.equal(store.has(young), true);
    assert.equal(existsSync(stalePartial), false);
    assert.equal(existsSync(livePartial), true);
    assert.equal(existsSync(join(store.dir, 'not-a-blob.txt')), true);
    assert.ok(new Set(seen).size > 1, 'the pass yields to the event loop between batches');

    const again = await gc.collect();
    assert.deepEqual(again, { deleted: 0, kept: 1, young: 1, partialsDeleted: 0 });
  });

  test('blobs:has (store.missing) touches stored blobs, so a client told to skip an upload keeps its blob', async () => {
    const sha = storeBlob(store.dir, 'old, asked about by a client', 3 * HOUR);
    const absent = sha3('never uploaded');
    assert.deepEqual(store.missing([sha, absent, sha]), [absent]);
    assert.ok(Date.now() - statSync(join(store.dir, sha)).mtimeMs < 60_000, 'mtime refreshed');
    const gc = createBlobGc({ dir: store.dir, isReferenced: repo.isReferenced, log: silentLogger });
    await gc.collect();
    assert.equal(store.has(sha), true);
    // An hour later (the client never submitted) it goes.
    const later = createBlobGc({ dir: store.dir, isReferenced: repo.isReferenced, clock: () => Date.now() + 2 * HOUR, log: silentLogger });
    await later.collect();
    assert.equal(store.has(sha), false);
  });

  test('concurrent collect() calls share one pass', async () => {
    const gc = createBlobGc({ dir: store.dir, isReferenced: repo.isReferenced, log: silentLogger });
    const [a, b] = [gc.collect(), gc.collect()];
    assert.equal(a, b);
    await a;
  });
});

describe('blob garbage collection on a real server', { timeout: 30_000 }, () => {
  test('a blob a job lists survives; after jobs:purge it is collected', async () => {
    const t = await startTestServer({ components: builtinComponents }, join(temp, 'server'));
    const ui = await connectUi(t.server);
    const agent = new FakeAgent(t.server, 'gc-a');
    try {
      await agent.connect();
      await agent.hello();
      const content = `gc ${randomBytes(4).toString('hex')}\n`;
      const file: SourceFile = { name: 'app.conf', sha: sha3(content), size: content.length, mode: 0o644 };
      await request(ui.emitWithAck('blobs:put', { sha: file.sha, size: file.size, content, encoding: 'utf8' }));
      const blobPath = join(t.dataDir, 'blobs', file.sha);
      const submission: RunSubmission = {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'ADD', text: 'app.conf /etc/app.conf', files: [file] }] }],
        targets: ['gc-a'],
      };
      await request(ui.emitWithAck('runs:submit', submission));
      const [job] = await agent.waitForJobs(1);
      // Older than the grace period, but listed by a job (settled or not): kept by a purge of nothing.
      utimesSync(blobPath, new Date(Date.now() - 2 * HOUR), new Date(Date.now() - 2 * HOUR));
      await request(ui.emitWithAck('jobs:purge'));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(existsSync(blobPath), true, 'the history still lists the blob');
      await agent.complete(job!);
      await eventually('run settled', async () =>
        (await request(ui.emitWithAck('runs:list', {})))[0]?.status === 'succeeded' ? true : undefined,
      );
      const purged = await request(ui.emitWithAck('jobs:purge'));
      assert.equal(purged.purged, 1);
      await eventually('blob collected after the purge', () => (existsSync(blobPath) ? undefined : true));
    } finally {
      agent.socket.disconnect();
      ui.disconnect();
      await t.stop();
    }
  });

  test('a blob a saved orchestration lists survives collection; once no item lists it, it goes', async () => {
    const t = await startTestServer({ components: builtinComponents }, join(temp, 'library'));
    const ui = await connectUi(t.server);
    try {
      const content = `library ${randomBytes(4).toString('hex')}\n`;
      const file: SourceFile = { name: 'site.conf', sha: sha3(content), size: content.length, mode: 0o644 };
      const yaml = '- jobs:\n  - ADD: site.conf /etc/site.conf\n';
      // Listing content that was never uploaded is refused, naming the file and the field.
      const early = await ui.emitWithAck('library:save', { name: 'Site', yaml, attachments: [{ pattern: 'site.conf', files: [file] }] });
      assert.ok(!early.ok);
      assert.equal(early.error.code, 'not-found');
      assert.match(early.error.message, /the content of site\.conf \(SHA3-224 [0-9a-f]{56}\) for site\.conf was not uploaded/);
      assert.equal(early.error.location?.field, 'attachments.0.files.0.sha');

      await request(ui.emitWithAck('blobs:put', { sha: file.sha, size: file.size, content, encoding: 'utf8' }));
      const saved = await request(
        ui.emitWithAck('library:save', { name: 'Site', yaml, attachments: [{ pattern: 'site.conf', files: [file] }] }),
      );
      assert.deepEqual((await request(ui.emitWithAck('library:get', saved.id))).attachments, [{ pattern: 'site.conf', files: [file] }]);
      const blobPath = join(t.dataDir, 'blobs', file.sha);
      const age = () => utimesSync(blobPath, new Date(Date.now() - 2 * HOUR), new Date(Date.now() - 2 * HOUR));
      age();
      await request(ui.emitWithAck('jobs:purge'));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(existsSync(blobPath), true, 'the saved orchestration still lists the blob');

      // Saved again without the attachment: nothing lists it any more.
      await request(ui.emitWithAck('library:save', { id: saved.id, name: 'Site', yaml }));
      assert.deepEqual((await request(ui.emitWithAck('library:get', saved.id))).attachments, []);
      age();
      await request(ui.emitWithAck('jobs:purge'));
      await eventually('blob collected once no item lists it', () => (existsSync(blobPath) ? undefined : true));
    } finally {
      ui.disconnect();
      await t.stop();
    }
  });
});
