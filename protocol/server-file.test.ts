import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataDirFrom, parseServerFile, readServerFile, serverFilePath, serverFileText, type ServerFile } from './server-file.js';

test('the data dir: option > DIRECTORD_DATA_DIR > XDG_DATA_HOME > HOME', () => {
  assert.equal(dataDirFrom('/opt/d', { DIRECTORD_DATA_DIR: '/e', XDG_DATA_HOME: '/x' }, '/home/u'), '/opt/d');
  assert.equal(dataDirFrom(undefined, { DIRECTORD_DATA_DIR: '/e', XDG_DATA_HOME: '/x' }, '/home/u'), '/e');
  assert.equal(dataDirFrom(undefined, { XDG_DATA_HOME: '/x' }, '/home/u'), '/x/directord');
  assert.equal(dataDirFrom(undefined, { DIRECTORD_DATA_DIR: '', XDG_DATA_HOME: '' }, '/home/u/'), '/home/u/.local/share/directord');
  assert.equal(serverFilePath('/d/'), '/d/server.json');
});

test('what the server writes, the readers parse back', () => {
  const info: ServerFile = { url: 'https://127.0.0.1:7443', port: 7443, pid: 42, startedAt: 1, fingerprint: 'AB:CD' };
  assert.deepEqual(parseServerFile(serverFileText(info)), { ok: true, value: info });
  assert.deepEqual(parseServerFile('{"url":"http://[::1]:8080","pid":7}'), {
    ok: true,
    value: { url: 'http://[::1]:8080', port: 8080, pid: 7 },
  });
});

test('a file that is not a server file says what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['not json', /not JSON/],
    ['[]', /not an object/],
    ['{"pid":1}', /url is not an http\(s\) URL/],
    ['{"url":"ftp://h:1","pid":1}', /url is not/],
    ['{"url":"http://h:1"}', /pid is not a process id/],
    ['{"url":"http://h:1","pid":-3}', /pid is not/],
    ['{"url":"http://h","pid":3}', /port is not a TCP port/],
    ['{"url":"http://h:1","pid":3,"fingerprint":5}', /fingerprint is not a string/],
  ];
  for (const [text, message] of cases) {
    const r = parseServerFile(text);
    assert.ok(!r.ok, text);
    assert.equal(r.error.code, 'invalid-payload');
    assert.match(r.error.message, message, text);
  }
});

test('reading through the caller’s reader: missing, unreadable, invalid, found', () => {
  const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
  const eacces = Object.assign(new Error('permission denied'), { code: 'EACCES' });
  assert.deepEqual(
    readServerFile('/d', () => {
      throw enoent;
    }),
    { ok: false, problem: { kind: 'missing' }, path: '/d/server.json' },
  );
  assert.deepEqual(
    readServerFile('/d', () => {
      throw eacces;
    }),
    { ok: false, problem: { kind: 'unreadable', message: 'permission denied' }, path: '/d/server.json' },
  );
  const invalid = readServerFile('/d', () => '{}');
  assert.ok(!invalid.ok && invalid.problem.kind === 'invalid');
  const seen: string[] = [];
  const found = readServerFile('/d', (path) => (seen.push(path), '{"url":"http://127.0.0.1:1","port":1,"pid":2}'));
  assert.deepEqual(found, { ok: true, value: { url: 'http://127.0.0.1:1', port: 1, pid: 2 } });
  assert.deepEqual(seen, ['/d/server.json']);
});
