/**
 * `--tls auto|on|off` on `serve` and `server`: real processes in a temp data dir. `serve --tls on`
 * on 127.0.0.1 speaks HTTPS (server.json's url and fingerprint, the console line), its local agent
 * pins the certificate and comes online, and the CLI still works: it trusts DATA_DIR/tls.crt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plainTextWarning } from './tls-option.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliArgs = ['--import', 'tsx', join(root, 'cli', 'main.ts')];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Ran = { code: number | null; stdout: string; stderr: string };

function cli(dataDir: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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

test('serve --tls on, on 127.0.0.1: https in server.json and the console line, the local agent pins it, the CLI trusts DATA_DIR/tls.crt', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-tls-on-'));
  const serve = spawn(process.execPath, [...cliArgs, '--data-dir', dataDir, 'serve', '--port', '0', '--host', '127.0.0.1', '--tls', 'on', '--local-agents', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let serveOut = '';
  let serveErr = '';
  serve.stdout.on('data', (d: Buffer) => (serveOut += d.toString()));
  serve.stderr.on('data', (d: Buffer) => (serveErr += d.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!serveOut.includes('\n') && Date.now() < deadline && serve.exitCode === null) await sleep(50);
    assert.match(serveOut, /^Directord Console: https:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+\n$/, serveErr);

    const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; fingerprint?: string };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = new X509Certificate(readFileSync(join(dataDir, 'tls.crt')));
    assert.equal(info.fingerprint, cert.fingerprint256, 'server.json names the certificate in DATA_DIR/tls.crt');

    let nodes: Ran = { code: 1, stdout: '', stderr: '' };
    while (Date.now() < deadline) {
      nodes = await cli(dataDir, 'manage', '--list-nodes');
      if (nodes.code === 0) break;
      await sleep(250);
    }
    assert.equal(nodes.code, 0, `no agent came online over TLS: ${nodes.stderr}\n${serveErr}`);

    const ran = await cli(dataDir, 'exec', '--verb', 'RUN', 'echo over-tls', '--stream', '--check');
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^over-tls$/m);

    const created = await cli(dataDir, 'manage', '--create-enrolment', '--note', 'tls test');
    assert.equal(created.code, 0, created.stderr);
    assert.ok(created.stdout.includes(`--server ${info.url} --token `) && created.stdout.includes(`--fingerprint ${info.fingerprint}`), created.stdout);

    serve.kill('SIGTERM');
    assert.equal(await exited(serve, 30_000), 0, serveErr);
    assert.equal(existsSync(join(dataDir, 'server.json')), false);
  } finally {
    if (serve.exitCode === null) serve.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('--tls takes auto, on or off only, and says so', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-tls-bad-'));
  try {
    const r = await cli(dataDir, 'server', '--port', '0', '--tls', 'yes');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /option '--tls <mode>' argument 'yes' is invalid\. Allowed choices are auto, on, off\./);
    assert.equal(existsSync(join(dataDir, 'server.json')), false, 'nothing started');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('--tls off is quiet on loopback and warned about on an address other hosts can reach', () => {
  assert.equal(plainTextWarning('off', '127.0.0.1'), null);
  assert.equal(plainTextWarning('auto', '0.0.0.0'), null);
  assert.equal(plainTextWarning('on', '10.0.0.5'), null);
  assert.match(plainTextWarning('off', '0.0.0.0') ?? '', /--tls off on 0\.0\.0\.0: enrolment tokens, credentials and job output cross the network in clear text/);
});
