import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { BlobPut } from '#protocol/blobs.js';
import { ok } from '#protocol/result.js';
import { LIMITS } from '#protocol/version.js';
import { COPY } from '#components/builtin/COPY.js';
import { RUN } from '#components/builtin/RUN.js';
import { componentManifest } from '#components/registry.js';
import { OrchestrationDoc } from '../yaml/orchestration-doc.js';
import { buildSubmission, deployProblems } from './deploy.js';
import {
  attachedFile,
  attachmentsToSave,
  bytesToBase64,
  filesForPattern,
  insertSourceNames,
  missingSources,
  stepSourcePatterns,
  uploadBlobs,
  withAttachedSources,
  type AttachedFile,
} from './sources.js';

const text = (s: string) => new TextEncoder().encode(s);
const sha3 = (b: Uint8Array) => createHash('sha3-224').update(b).digest('hex');

test('attached files are addressed by the same SHA3-224 the CLI uses (node:crypto)', () => {
  const bytes = text('listen 8080\n');
  const f = attachedFile('app.conf', bytes);
  assert.equal(f.sha, sha3(bytes));
  assert.equal(f.size, bytes.length);
});

test('SOURCE patterns come from the component parser: options, several sources, vars', () => {
  assert.deepEqual(stepSourcePatterns({ verb: 'COPY', text: '--chmod 0640 files/app.conf /etc/app.conf' }), ['files/app.conf']);
  assert.deepEqual(stepSourcePatterns({ verb: 'ADD', text: 'a.txt "b c.txt" /srv/' }), ['a.txt', 'b c.txt']);
  assert.equal(stepSourcePatterns({ verb: 'RUN', text: 'echo hi' }), null);
  assert.equal(stepSourcePatterns({ verb: 'COPY', text: '--exec-help' }), null);
});

test('a plain path takes one file, named like the path; a glob takes matching files', () => {
  const picked = attachedFile('app-v2.conf', text('x'));
  const plain = filesForPattern('files/app.conf', [picked]);
  assert.ok(plain.ok);
  assert.equal(plain.value[0]?.name, 'app.conf');
  assert.match(filesForPattern('files/app.conf', [picked, picked]).ok ? '' : 'one file', /one file/);
  const glob = filesForPattern('conf/*.conf', [attachedFile('b.conf', text('b')), attachedFile('a.conf', text('a'))]);
  assert.deepEqual(glob.ok ? glob.value.map((f) => f.name) : [], ['a.conf', 'b.conf']);
  const wrong = filesForPattern('conf/*.conf', [attachedFile('notes.txt', text('n'))]);
  assert.match(wrong.ok ? '' : wrong.error.message, /notes\.txt does not match \*\.conf/);
  const hidden = filesForPattern('*', [attachedFile('.env', text('n'))]);
  assert.equal(hidden.ok, false, 'a hidden file needs a pattern starting with a dot (Python glob)');
  const big = { ...attachedFile('big.bin', text('')), size: LIMITS.maxBlobBytes + 1 } as AttachedFile;
  assert.equal(filesForPattern('big.bin', [big]).ok, false);
});

test('deploy is refused, naming the step, its entry and the file, until the file is attached', () => {
  const doc = new OrchestrationDoc(
    '- name: site\n  jobs:\n  - RUN: echo 1\n  - COPY: --chmod 0640 files/app.conf /etc/app.conf\n',
    'site.yaml',
  );
  const manifests = new Map([RUN, COPY].map((c) => [c.verb, componentManifest(c)]));
  const manifest = (verb: string) => manifests.get(verb);
  const none = new Map();
  assert.deepEqual(missingSources(doc.model, none), [{ entry: 0, job: 1, verb: 'COPY', pattern: 'files/app.conf' }]);
  const problems = deployProblems(doc.model, manifest, 0, undefined, none).map((p) => p.message);
  assert.deepEqual(problems, [
    'Step 2 (COPY) of entry "site" needs files/app.conf: attach it in the step (the console cannot read files on your computer)',
  ]);
  const onlyDest = new OrchestrationDoc('- jobs:\n  - COPY: /etc/app.conf\n', 'o.yaml');
  assert.deepEqual(
    deployProblems(onlyDest.model, manifest, 0, undefined, none).map((p) => p.message),
    ['Step 1 (COPY): Sources and destination: At least 2 values'],
  );
  const submission = buildSubmission(doc.model, { selected: ['h1'], source: 'site.yaml', sourceText: doc.text });
  const refused = withAttachedSources(submission, none);
  assert.match(refused.ok ? '' : refused.error.message, /Step 2 \(COPY\) of entry "site" needs files\/app\.conf/);

  const file = filesForPattern('files/app.conf', [attachedFile('whatever.conf', text('listen 8080\n'))]);
  assert.ok(file.ok);
  const attached = new Map([['files/app.conf', file.value]]);
  assert.deepEqual(deployProblems(doc.model, manifest, 0, undefined, attached), []);
  const sourced = withAttachedSources(submission, attached);
  assert.ok(sourced.ok);
  const job = sourced.value.submission.entries[0]?.jobs[1];
  assert.deepEqual(job?.files, [{ name: 'app.conf', sha: sha3(text('listen 8080\n')), size: 12, mode: 0o644 }]);
  assert.equal(sourced.value.submission.entries[0]?.jobs[0]?.files, undefined, 'other verbs get no files');
  assert.deepEqual([...sourced.value.blobs.keys()], [sha3(text('listen 8080\n'))]);
});

test('a library save keeps the files of the patterns the orchestration uses; restored files deploy without bytes', () => {
  const doc = new OrchestrationDoc(
    '- jobs:\n  - COPY: files/app.conf /etc/app.conf\n  - ADD: files/app.conf /srv/app.conf\n  - RUN: echo 1\n',
    'site.yaml',
  );
  const picked = filesForPattern('files/app.conf', [attachedFile('app.conf', text('listen 8080\n'))]);
  assert.ok(picked.ok);
  const stale = filesForPattern('old.conf', [attachedFile('old.conf', text('old\n'))]);
  assert.ok(stale.ok);
  const kept = attachmentsToSave(
    doc.model,
    new Map([
      ['files/app.conf', picked.value],
      ['old.conf', stale.value],
    ]),
  );
  const meta = { name: 'app.conf', sha: sha3(text('listen 8080\n')), size: 12, mode: 0o644 };
  assert.deepEqual(kept.list, [{ pattern: 'files/app.conf', files: [meta] }], 'once per pattern, without bytes, only patterns in use');
  assert.deepEqual([...kept.blobs.keys()], [meta.sha]);

  // Reopened from the library: the same files, no bytes (the server has the content).
  const restored = new Map(kept.list.map((a) => [a.pattern, a.files]));
  const sourced = withAttachedSources(
    buildSubmission(doc.model, { selected: ['h1'], source: 'site.yaml', sourceText: doc.text }),
    restored,
  );
  assert.ok(sourced.ok);
  assert.deepEqual(sourced.value.submission.entries[0]?.jobs[0]?.files, [meta]);
  assert.equal(sourced.value.blobs.size, 0, 'nothing to upload');
  assert.equal(attachmentsToSave(doc.model, restored).blobs.size, 0);
});

test('upload sends only missing blobs, in pieces of LIMITS.blobChunkBytes, as base64', async () => {
  const big = new Uint8Array(LIMITS.blobChunkBytes * 2 + 5).map((_, i) => i % 251);
  const small = text('small');
  const blobs = new Map([
    [sha3(big), big],
    [sha3(small), small],
  ]);
  const puts: BlobPut[] = [];
  const progress: number[] = [];
  const sent = await uploadBlobs(
    {
      has: async (shas) => ok({ missing: shas.filter((s) => s === sha3(big)) }),
      put: async (piece) => (puts.push(piece), ok({ sha: piece.sha, complete: false, received: 0 })),
    },
    blobs,
    (n) => progress.push(n),
  );
  assert.deepEqual(sent, ok(1));
  assert.deepEqual(
    puts.map((p) => [p.sha, p.offset, p.size]),
    [
      [sha3(big), 0, big.length],
      [sha3(big), LIMITS.blobChunkBytes, big.length],
      [sha3(big), LIMITS.blobChunkBytes * 2, big.length],
    ],
  );
  const joined = Buffer.concat(puts.map((p) => Buffer.from(p.content, 'base64')));
  assert.equal(sha3(joined), sha3(big));
  assert.deepEqual(progress, [LIMITS.blobChunkBytes, LIMITS.blobChunkBytes * 2, big.length]);
  assert.equal(bytesToBase64(text('hi!')), 'aGkh');
});

test('picked files are added as sources before the destination', () => {
  assert.deepEqual(insertSourceNames([], ['a.conf']), ['a.conf']);
  assert.deepEqual(insertSourceNames(['/etc/'], ['a.conf', 'b.conf']), ['a.conf', 'b.conf', '/etc/']);
  assert.deepEqual(insertSourceNames(['x', '/etc/'], ['x', 'y']), ['x', 'y', '/etc/']);
});
