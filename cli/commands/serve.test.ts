import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choosePort, portIsFree, prepareDataDir, PREFERRED_PORT } from '../server-setup.js';
import { agentArgv } from './agent.js';
import { consoleLine } from './serve.js';

test('serve prints one console line, loopback and wildcard hosts shown as 127.0.0.1', () => {
  assert.equal(consoleLine('127.0.0.1', 7500, 'http://127.0.0.1:7500', 'abc'), 'Directord Console: http://127.0.0.1:7500/?token=abc');
  assert.equal(consoleLine('0.0.0.0', 7501, 'http://0.0.0.0:7501', 'abc'), 'Directord Console: http://127.0.0.1:7501/?token=abc');
  assert.equal(consoleLine('10.0.0.5', 7502, 'http://10.0.0.5:7502', 'abc'), 'Directord Console: http://10.0.0.5:7502/?token=abc');
});

test('port: --port wins; else 7500 when free, else any free port', async () => {
  assert.equal(await choosePort(0, '127.0.0.1'), 0);
  assert.equal(await choosePort(1234, '127.0.0.1'), 1234);
  const blocker = createServer();
  const blocked = await new Promise<boolean>((resolve) => {
    blocker.once('error', () => resolve(false));
    blocker.listen(PREFERRED_PORT, '127.0.0.1', () => resolve(true));
  });
  try {
    assert.equal(await portIsFree(PREFERRED_PORT, '127.0.0.1'), false);
    assert.equal(await choosePort(undefined, '127.0.0.1'), 0);
  } finally {
    if (blocked) await new Promise((r) => blocker.close(r));
  }
});

test('a data dir whose server is alive is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-serve-'));
  try {
    prepareDataDir(dir);
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:1', port: 1, pid: process.ppid }));
    assert.throws(() => prepareDataDir(dir), /already running for data dir/);
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:1', port: 1, pid: 2 ** 22 + 99 }));
    prepareDataDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent gets the data dir unless it was given one', () => {
  assert.deepEqual(agentArgv(['--identity', 'x'], '/d'), ['--data-dir', '/d', '--identity', 'x']);
  assert.deepEqual(agentArgv(['--data-dir=/e'], '/d'), ['--data-dir=/e']);
});
