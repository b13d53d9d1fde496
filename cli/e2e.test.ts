/**
 * End to end with real processes: `serve` (server + one local agent) in a temp data dir, then
 * `exec … --poll --check` and `manage --job-info last` as separate CLI processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARENT_WATCHDOG } from './local-agents.js';
import { eventually, textOn } from '../test/support/wait.js';
import { listNodesOnline, runCliProcess as cli, sleep, startServe } from './testing/cli-processes.js';

test('serve + exec --poll --check + manage --job-info last', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-e2e-'));
  const serve = await startServe(dataDir, ['--port', '0', '--local-agents', '1']);
  try {
    assert.match(serve.stdout(), /^Directord Console: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+\n$/, serve.stderr());
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    assert.ok(serve.stdout().trim().endsWith(`?token=${token}`));

    const nodes = await listNodesOnline(dataDir);
    assert.equal(nodes.code, 0, `no agent came online: ${nodes.stderr}\n${serve.stderr()}`);
    assert.match(nodes.stdout, /^ID +EXPIRY +VERSION +HOST_UPTIME +AGENT_UPTIME +MACHINE_ID +DRIVER$/m);

    const ok = await cli(dataDir, 'exec', '--verb', 'RUN', 'echo hi', '--poll', '--check');
    assert.equal(ok.code, 0, ok.stderr);
    const id = /^Run: [0-9a-f-]{36}\nJob Success: ([0-9a-f-]{36})\n$/.exec(ok.stdout)?.[1];
    assert.ok(id, ok.stdout);

    const info = await cli(dataDir, 'manage', '--job-info', 'last');
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^ID +last$/m);
    assert.match(info.stdout, new RegExp(`^JOB_ID +${id}$`, 'm'));
    assert.match(info.stdout, /^STDOUT +\S+ = hi$/m);
    assert.match(info.stdout, /^PROCESSING +False$/m);
    assert.match(info.stdout, /^EXECUTION_TIME +\d+\.\d{8}$/m);
    assert.match(info.stdout, /\n\nTotal Items: \d+\n$/);

    const bad = await cli(dataDir, 'exec', '--verb', 'RUN', 'echo oops >&2; exit 3', '--stream', '--check');
    assert.equal(bad.code, 1, bad.stderr);
    const badId = /^Job Degrated: ([0-9a-f-]{36})$/m.exec(bad.stdout)?.[1];
    assert.ok(badId, bad.stdout);
    assert.match(bad.stdout, /^\S+ -- STDERR\noops\n/m);
    assert.ok(bad.stdout.endsWith(`Job Degrated: ${badId}\nFAILED JOBS\n${badId}\n`), bad.stdout);

    assert.equal(await serve.stop(), 0, serve.stderr());
    assert.equal(existsSync(join(dataDir, 'server.json')), false, 'server.json is removed on a clean stop');
    assert.match(serve.stderr(), /agent stopped/);

    const cache = await cli(dataDir, 'manage', '--dump-cache');
    assert.equal(cache.code, 0, cache.stderr);
    assert.match(cache.stdout, /"succeeded"/);
  } finally {
    serve.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a local agent stops itself when its parent dies without stopping it', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-watchdog-'));
  const marker = join(dir, 'stopped');
  const agent = `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ok'); process.exit(0); }); setInterval(() => {}, 1000);`;
  const parent = `const c = require('child_process').spawn(process.execPath, ['--import', ${JSON.stringify(PARENT_WATCHDOG)}, '-e', ${JSON.stringify(agent)}], { detached: true, stdio: 'ignore', env: { ...process.env, DIRECTORD_SERVE_PID: String(process.pid) } }); console.log(c.pid); setInterval(() => {}, 1000);`;
  const p = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await textOn(p.stdout, '\n', 20_000, 'the parent to print its child pid', { child: p });
    await sleep(300);
    p.kill('SIGKILL');
    await eventually('the orphaned agent to get SIGTERM from its watchdog', () => (existsSync(marker) ? true : undefined), 30_000, 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
