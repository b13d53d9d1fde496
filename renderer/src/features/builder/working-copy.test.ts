import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepUploaded, parseWorkingCopy, serializeWorkingCopy, WORKING_COPY_MAX_CHARS } from './working-copy.js';
import { attachedFile } from './sources.js';

const base = { text: '- jobs: []\n', fileName: 'site.yaml', name: 'site', libraryId: null, savedText: '' };

test('a working copy round-trips with its attached files names and hashes, never their bytes', () => {
  const file = attachedFile('app.conf', new TextEncoder().encode('x=1\n'));
  const json = serializeWorkingCopy(base, new Map([['files/app.conf', [file]]]));
  assert.ok(json);
  assert.ok(!json.includes('bytes'));
  const back = parseWorkingCopy(json);
  assert.deepEqual(back, {
    ...base,
    attachments: [{ pattern: 'files/app.conf', files: [{ name: 'app.conf', sha: file.sha, size: 4, mode: 0o644 }] }],
  });
});

test('anything else in storage is no working copy', () => {
  for (const raw of [
    null,
    '',
    'nope',
    '[]',
    '{"text":1}',
    JSON.stringify({ ...base, attachments: 'x' }),
    JSON.stringify({ ...base, libraryId: 3, attachments: [] }),
  ]) {
    assert.equal(parseWorkingCopy(raw), null, String(raw));
  }
  const badFile = parseWorkingCopy(
    JSON.stringify({ ...base, attachments: [{ pattern: 'p', files: [{ name: 'a', sha: 'zz', size: 1, mode: 420 }] }] }),
  );
  assert.deepEqual(badFile?.attachments, []);
});

test('a copy too big for storage is not kept; only files the server holds are restored', () => {
  assert.equal(serializeWorkingCopy({ ...base, text: 'x'.repeat(WORKING_COPY_MAX_CHARS) }, new Map()), null);
  const a = { name: 'a', sha: 'a'.repeat(56), size: 1, mode: 420 };
  const b = { name: 'b', sha: 'b'.repeat(56), size: 1, mode: 420 };
  assert.deepEqual(
    keepUploaded(
      [
        { pattern: 'p', files: [a, b] },
        { pattern: 'q', files: [b] },
      ],
      new Set([b.sha]),
    ),
    [{ pattern: 'p', files: [a] }],
  );
});
