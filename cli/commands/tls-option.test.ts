/**
 * `--tls auto|on|off` on `serve` and `server`: real processes in a temp data dir. `serve --tls on`
 * on 127.0.0.1 speaks HTTPS (server.json's url and fingerprint, the console line), its local agent
 * pins the certificate and comes online, and the CLI still works: it trusts DATA_DIR/tls.crt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listNodesOnline, runCliProcess as cli, startServe } from '../testing/cli-processes.js';
import { plainTextWarning } from './tls-option.js';

test(
  'serve --tls on, on 127.0.0.1: https in server.json and the console line, the local agent pins it, the CLI trusts DATA_DIR/tls.crt',
  { timeout: 120_000 },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'directord-tls-on-'));
    const serve = await startServe(dataDir, ['--port', '0', '--host', '127.0.0.1', '--tls', 'on', '--local-agents', '1']);
    try {
      assert.match(serve.stdout(), /^Directord Console: https:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+\n$/, serve.stderr());

      const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; fingerprint?: string };
      assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const cert = new X509Certificate(readFileSync(join(dataDir, 'tls.crt')));
      assert.equal(info.fingerprint, cert.fingerprint256, 'server.json names the certificate in DATA_DIR/tls.crt');

      const nodes = await listNodesOnline(dataDir);
      assert.equal(nodes.code, 0, `no agent came online over TLS: ${nodes.stderr}\n${serve.stderr()}`);

      const ran = await cli(dataDir, 'exec', '--verb', 'RUN', 'echo over-tls', '--stream', '--check');
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /^over-tls$/m);

      const created = await cli(dataDir, 'manage', '--create-enrolment', '--note', 'tls test');
      assert.equal(created.code, 0, created.stderr);
      assert.ok(
        created.stdout.includes(`--server ${info.url} --token `) && created.stdout.includes(`--fingerprint ${info.fingerprint}`),
        created.stdout,
      );

      assert.equal(await serve.stop(), 0, serve.stderr());
      assert.equal(existsSync(join(dataDir, 'server.json')), false);
    } finally {
      serve.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

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
  assert.match(
    plainTextWarning('off', '0.0.0.0') ?? '',
    /--tls off on 0\.0\.0\.0: enrolment tokens, credentials and job output cross the network in clear text/,
  );
});
