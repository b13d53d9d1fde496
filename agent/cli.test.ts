import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveCli, defaultIdentity, runAgentCli } from './cli.js';
import { FakeServer } from './testing/fake-server.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-agent-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('agent cli', { timeout: 30_000 }, () => {
  test('reads server.json and agent.key from the data dir', () => {
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:4567', port: 4567, pid: 4321 }));
    writeFileSync(join(dir, 'agent.key'), 'secret-key\n');
    const r = resolveCli(['--data-dir', dir, '--identity', 'n1'], {});
    assert.deepEqual(r, {
      serverUrl: 'http://127.0.0.1:4567',
      serverInfoPath: join(dir, 'server.json'),
      key: 'secret-key',
      identity: 'n1',
      cacheDir: join(dir, 'agents', 'n1'),
      enrolWait: true,
      shellPerJob: false,
      debug: false,
    });
    const fromEnv = resolveCli(['--identity', 'n2'], { DIRECTORD_DATA_DIR: dir });
    assert.equal('serverUrl' in fromEnv && fromEnv.cacheDir, join(dir, 'agents', 'n2'));
  });

  test('flags win over the data dir', () => {
    writeFileSync(join(dir, 'k.txt'), 'from-file\n');
    const r = resolveCli(
      ['--data-dir', dir, '--server', 'http://h:1', '--key-file', join(dir, 'k.txt'), '--cache-dir', '/tmp/x', '--executor', 'spawn'],
      {},
    );
    assert.ok('serverUrl' in r);
    assert.equal(r.serverUrl, 'http://h:1');
    assert.equal(r.key, 'from-file');
    assert.equal(r.cacheDir, '/tmp/x');
    assert.equal(r.executor, 'spawn');
    assert.equal(r.enrolWait, true, 'an enrolling agent waits for its server by default');
    const perJob = resolveCli(['--data-dir', dir, '--shell-per-job'], {});
    assert.ok('serverUrl' in perJob && perJob.shellPerJob);
  });

  test('--no-enrol-wait: an enrolling agent that cannot reach the server exits 1 at once, saying why', async () => {
    const r = resolveCli(
      ['--server', 'http://127.0.0.1:9', '--token', 't.x', '--identity', 'nw', '--cache-dir', join(dir, 'nw'), '--no-enrol-wait'],
      {},
    );
    assert.ok('serverUrl' in r);
    assert.equal(r.enrolWait, false);
    let err = '';
    const code = await runAgentCli(
      ['--server', 'http://127.0.0.1:9', '--token', 't.x', '--identity', 'nw', '--cache-dir', join(dir, 'nw'), '--no-enrol-wait'],
      { out: () => {}, err: (t) => void (err += t), env: {} },
    );
    assert.equal(code, 1);
    assert.match(err, /enrolment refused \(agent-offline\): cannot reach the server at http:\/\/127\.0\.0\.1:9/);
    assert.doesNotMatch(err, /trying again/);
  });

  test('--version, --help and usage errors', () => {
    assert.match((resolveCli(['--version'], {}) as { print: string }).print, /^directord-agent \d+\.\d+\.\d+/);
    assert.equal((resolveCli(['--help'], {}) as { code: number }).code, 0);
    assert.equal((resolveCli(['--nope'], {}) as { code: number }).code, 2);
    const missing = resolveCli(['--data-dir', join(dir, 'empty')], {}) as { print: string; code: number };
    assert.equal(missing.code, 2);
    assert.match(missing.print, /server\.json/);
  });

  test('the default identity is the host name made safe', () => {
    assert.equal(defaultIdentity('my host!'), 'my-host');
    assert.equal(defaultIdentity('***'), 'localhost');
  });

  test('the agent process connects, and SIGTERM stops it cleanly', async () => {
    const server = await FakeServer.start();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'main.ts'),
        '--server',
        server.url,
        '--key',
        server.key,
        '--identity',
        'cli-node',
        '--cache-dir',
        join(dir, 'cache'),
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await server.waitFor(() => server.hellos.some((h) => h.identity === 'cli-node'), 20_000, 'hello');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /agent stopped/);
    } finally {
      child.kill('SIGKILL');
      await server.stop();
    }
  });
});
