import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSshAddress } from './bootstrap.js';

test('an address line: host, user and port are optional but the host; NAME= names the agent', () => {
  assert.deepEqual(parseSshAddress('web-1.example.com'), { ok: true, value: { host: 'web-1.example.com' } });
  assert.deepEqual(parseSshAddress(' admin@10.0.0.7:2222 '), { ok: true, value: { user: 'admin', host: '10.0.0.7', port: 2222 } });
  assert.deepEqual(parseSshAddress('root@[::1]:22'), { ok: true, value: { user: 'root', host: '::1', port: 22 } });
  assert.deepEqual(parseSshAddress('db-2=admin@10.0.0.7:2223'), {
    ok: true,
    value: { name: 'db-2', user: 'admin', host: '10.0.0.7', port: 2223 },
  });
  assert.deepEqual(parseSshAddress('node:a@b=10.0.0.8'), { ok: true, value: { name: 'node:a@b', host: '10.0.0.8' } });
});

test('a bad address line says what is wrong and how to write it', () => {
  const bad = parseSshAddress('root@bad host');
  assert.equal(bad.ok, false);
  assert.match(
    bad.ok ? '' : bad.message,
    /"root@bad host" is not an address: write host, user@host or user@host:port, optionally NAME= in front/,
  );
  const name = parseSshAddress('bad name=host');
  assert.equal(name.ok, false);
  const port = parseSshAddress('host:70000');
  assert.deepEqual(port, { ok: false, message: '"host:70000": port 70000 is out of range (1-65535)' });
});
