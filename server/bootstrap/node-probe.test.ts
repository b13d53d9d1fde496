/** The Node probe's output is read after its own marker, so login rc files that print cannot shift it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNodeProbe } from './install-agent.js';

test('reads HOME, node path and version after the marker, ignoring what rc files printed first', () => {
  const noisy = 'Welcome to host-1!\n--directord-probe--\nnot me\n--directord-probe--\n/home/ops\n/usr/bin/node\nv20.19.2\n';
  assert.deepEqual(parseNodeProbe(noisy), { home: '/home/ops', nodePath: '/usr/bin/node', version: 'v20.19.2' });
});

test('CRLF output and a missing version still parse', () => {
  assert.deepEqual(parseNodeProbe('motd\r\n--directord-probe--\r\n/root\r\n/usr/local/bin/node\r\nv22.1.0\r\n'), {
    home: '/root',
    nodePath: '/usr/local/bin/node',
    version: 'v22.1.0',
  });
  assert.deepEqual(parseNodeProbe('--directord-probe--\n/root\n'), { home: '/root', nodePath: '', version: '' });
});
