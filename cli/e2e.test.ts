/**
 * End to end with real processes: `serve` (server + one local agent) in a temp data dir, then
 * `exec … --poll --check` and `manage --job-info last` as separate CLI processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARENT_WATCHDOG } from './local-agents.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliArgs = ['--import', 'tsx', join(root, 'cli', 'main.ts')];

type Ran = { code: number | null; stdout: string; stderr: string };

function cli(dataDir: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test('serve + exec --poll --check + manage --job-info last', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-e2e-'));
  const serve = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, 'serve', '--port', '0', '--local-agents', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let serveOut = '';
  let serveErr = '';
  serve.stdout.on('data', (d: Buffer) => (serveOut += d.toString()));
  serve.stderr.on('data', (d: Buffer) => (serveErr += d.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!serveOut.includes('\n') && Date.now() < deadline && serve.exitCode === null) await sleep(50);
    assert.match(serveOut, /^Directord Console: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+\n$/, serveErr);
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    assert.ok(serveOut.trim().endsWith(`?token=${token}`));

    let nodes: Ran = { code: 1, stdout: '', stderr: '' };
    while (Date.now() < deadline) {
      nodes = await cli(dataDir, 'manage', '--list-nodes');
      if (nodes.code === 0) break;
      await sleep(250);
    }
    assert.equal(nodes.code, 0, `no agent came online: ${nodes.stderr}\n${serveErr}`);
    assert.match(nodes.stdout, /^ID +EXPIRY +VERSION +HOST_UPTIME +AGENT_UPTIME +MACHINE_ID +DRIVER$/m);

    const ok = await cli(dataDir, 'exec', '--verb', 'RUN', 'echo hi', '--poll', '--check');
    assert.equal(ok.code, 0, ok.stderr);
    const id = /^Job Success: ([0-9a-f-]{36})\n$/.exec(ok.stdout)?.[1];
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

    serve.kill('SIGTERM');
    assert.equal(await exited(serve, 30_000), 0, serveErr);
    assert.equal(existsSync(join(dataDir, 'server.json')), false, 'server.json is removed on a clean stop');
    assert.match(serveErr, /agent stopped/);

    const cache = await cli(dataDir, 'manage', '--dump-cache');
    assert.equal(cache.code, 0, cache.stderr);
    assert.match(cache.stdout, /"succeeded"/);
  } finally {
    if (serve.exitCode === null) serve.kill('SIGKILL');
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
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('\n')) await sleep(20);
    await sleep(300);
    p.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < deadline) await sleep(100);
    assert.ok(existsSync(marker), 'the orphaned agent got SIGTERM from its watchdog');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
