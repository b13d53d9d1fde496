/** ADD/COPY on the operator's side: glob expansion (Python glob rules), base folders, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinComponents } from '../components/builtin/index.js';
import { attachSources, expandSources, globFiles, segmentPattern } from './transfer.js';
import { CliError } from './errors.js';

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'directord-transfer-'));
  mkdirSync(join(dir, 'files', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'files', 'a.conf'), 'alpha\n');
  writeFileSync(join(dir, 'files', 'b.conf'), 'beta\n');
  writeFileSync(join(dir, 'files', 'c.txt'), 'gamma\n');
  writeFileSync(join(dir, 'files', '.hidden.conf'), 'hidden\n');
  writeFileSync(join(dir, 'files', 'sub', 'd.conf'), 'delta\n');
  chmodSync(join(dir, 'files', 'b.conf'), 0o600);
  symlinkSync(join(dir, 'files', 'a.conf'), join(dir, 'files', 'link.conf'));
  return dir;
}

test('segmentPattern: fnmatch classes, negation, literal dots', () => {
  assert.ok(segmentPattern('*.conf').test('a.conf'));
  assert.ok(!segmentPattern('*.conf').test('a.confx'));
  assert.ok(segmentPattern('[ab].conf').test('b.conf'));
  assert.ok(!segmentPattern('[!ab].conf').test('b.conf'));
  assert.ok(segmentPattern('?.txt').test('c.txt'));
  assert.ok(!segmentPattern('a.conf').test('abconf'));
});

test('globFiles: wildcards per segment, hidden files only when asked, sorted absolute paths', () => {
  const dir = tree();
  try {
    const f = (p: string) => join(dir, 'files', p);
    assert.deepEqual(globFiles('files/*.conf', dir), [f('a.conf'), f('b.conf'), f('link.conf')]);
    assert.deepEqual(globFiles('files/.*.conf', dir), [f('.hidden.conf')]);
    assert.deepEqual(globFiles('files/*/*.conf', dir), [f('sub/d.conf')]);
    assert.deepEqual(globFiles('files/a.conf', dir), [f('a.conf')]);
    assert.deepEqual(globFiles(f('c.txt'), '/nonexistent'), [f('c.txt')], 'absolute patterns ignore the base');
    assert.deepEqual(globFiles('files/none*', dir), []);
    assert.deepEqual(globFiles('missing/a.conf', dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('expandSources: regular files with SHA3-224, size and mode; clear errors naming the pattern and folders', () => {
  const dir = tree();
  try {
    const files = expandSources('ADD', ['files/[ab].conf'], [dir]);
    assert.deepEqual(
      files.map(({ name, size, mode, sha }) => ({ name, size, mode, sha })),
      [
        { name: 'a.conf', size: 6, mode: 0o644 & ~process.umask(), sha: createHash('sha3-224').update('alpha\n').digest('hex') },
        { name: 'b.conf', size: 5, mode: 0o600, sha: createHash('sha3-224').update('beta\n').digest('hex') },
      ],
    );
    assert.equal(expandSources('ADD', ['files/link.conf'], [dir])[0]?.name, 'link.conf', 'a symlink to a file counts as a file');
    assert.throws(
      () => expandSources('COPY', ['files/nope*.conf'], [dir, '/tmp']),
      (e: unknown) => {
        assert.ok(e instanceof CliError);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /^COPY: no file matches files\/nope\*\.conf \(looked in .* and \/tmp\)$/);
        return true;
      },
    );
    assert.throws(() => expandSources('ADD', ['files/sub'], [dir]), /ADD: files\/sub matches no regular file, only .*files\/sub/);
    assert.throws(() => expandSources('ADD', ['/definitely/not/here'], [dir]), /ADD: no file matches \/definitely\/not\/here$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attachSources: relative to the first base folder that matches (orchestration folder, then cwd); other verbs untouched', () => {
  const orchestration = tree();
  const cwd = mkdtempSync(join(tmpdir(), 'directord-transfer-cwd-'));
  writeFileSync(join(cwd, 'only-in-cwd.txt'), 'cwd\n');
  writeFileSync(join(cwd, 'files'), 'a file named files in the cwd\n');
  try {
    const lookup = (verb: string) => builtinComponents.find((c) => c.verb === verb);
    const uploads = new Map<string, string>();
    const [entry] = attachSources(
      [
        {
          jobs: [
            { verb: 'COPY', text: 'files/a.conf /tmp/a' },
            { verb: 'ADD', text: '--blueprint only-in-cwd.txt files/*.txt /tmp/x/' },
            { verb: 'RUN', text: 'echo files/a.conf' },
            { verb: 'ADD', text: '--chmod 999 x y' },
          ],
        },
      ],
      [orchestration, cwd],
      lookup,
      uploads,
    );
    const jobs = entry!.jobs;
    assert.deepEqual(
      jobs[0]?.files?.map((f) => f.name),
      ['a.conf'],
    );
    assert.deepEqual(
      jobs[1]?.files?.map((f) => f.name),
      ['only-in-cwd.txt', 'c.txt'],
    );
    assert.equal(jobs[2]?.files, undefined);
    assert.equal(jobs[3]?.files, undefined, 'a job string that does not parse is left for the server to report');
    assert.deepEqual(
      [...uploads.values()].sort(),
      [join(cwd, 'only-in-cwd.txt'), join(orchestration, 'files', 'a.conf'), join(orchestration, 'files', 'c.txt')].sort(),
    );
  } finally {
    rmSync(orchestration, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
});
