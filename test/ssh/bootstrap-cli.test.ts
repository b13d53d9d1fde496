/**
 * `directord bootstrap` end to end: a real server (`directord server`), the real CLI and a real
 * OpenSSH server on loopback (test/ssh/sshd-fixture.ts). One catalog: a server target that runs
 * RUN/ADD/GET jobs, two clients that get our agent (into temporary prefixes, nohup) and come
 * online, one client on a closed port and one with a key the host does not accept. The two bad
 * ones fail with their own clear error and hint; the others succeed; nothing is left on them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, eventually, req, runCli } from '../integration/harness.js';
import { freePort, startSshd, type SshdFixture } from './sshd-fixture.js';
import { killInstalledAgents, wipeInstall } from './installed-agents.js';

describe('directord bootstrap over SSH', { timeout: 240_000 }, () => {
  let sshd: SshdFixture;
  let cluster: Cluster;
  let work: string;
  const prefixes: string[] = [];

  before(async () => {
    sshd = await startSshd();
    cluster = await Cluster.start();
    work = mkdtempSync(join(tmpdir(), 'directord-bootstrap-'));
  });

  after(async () => {
    killInstalledAgents(prefixes);
    await cluster?.close();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('clients get a running agent that comes online; unreachable and wrong-key hosts fail clearly; the others succeed', async () => {
    const closedPort = await freePort();
    const good1 = join(work, 'prefix-1');
    const good2 = join(work, 'prefix-2');
    const wrongPrefix = join(work, 'prefix-wrong');
    prefixes.push(good1, good2);
    writeFileSync(join(work, 'payload.txt'), 'shipped by ADD\n');
    const remoteDir = join(work, 'remote');
    const catalog = `
directord_server:
  targets:
  - host: 127.0.0.1
    name: prep
  jobs:
  - RUN: mkdir -p ${remoteDir} && echo "rendered {{ greeting }} for {{ directord_bootstrap.host }}:{{ directord_bootstrap.port }}" > ${remoteDir}/run.txt
  - ADD: payload.txt ${remoteDir}/
  - GET: ${remoteDir}/run.txt ${join(work, 'fetched.txt')}
directord_clients:
  args:
    port: ${sshd.port}
    username: ${sshd.user}
  targets:
  - host: 127.0.0.1
    name: ssh-good-1
    prefix: ${good1}
  - host: 127.0.0.1
    name: ssh-good-2
    prefix: ${good2}
  - host: 127.0.0.1
    port: ${closedPort}
    name: ssh-unreachable
  - host: 127.0.0.1
    name: ssh-wrong-key
    key_file: ${sshd.wrongKey}
    prefix: ${wrongPrefix}
greeting: hello
`;
    // The server target takes the catalog's default port 22 unless told: point it at our sshd too.
    const file = join(work, 'catalog.yaml');
    writeFileSync(file, catalog.replace('    name: prep\n', `    name: prep\n    port: ${sshd.port}\n    username: ${sshd.user}\n`));
    const knownHosts = join(work, 'known_hosts');

    const r = await runCli(
      [
        'bootstrap',
        '--catalog',
        file,
        '--key-file',
        sshd.clientKey,
        '--known-hosts',
        knownHosts,
        '--threads',
        '4',
        '--start',
        'nohup',
        '--online-timeout',
        '60',
      ],
      {
        env: cluster.env,
        cwd: work,
        timeoutMs: 180_000,
      },
    );
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, `one host failed, so exit 1:\n${out}\n--- sshd:\n${sshd.log().slice(-3000)}`);

    // The server target's jobs ran, rendered, in order: RUN, ADD (relative to the catalog), GET.
    assert.equal(readFileSync(join(work, 'fetched.txt'), 'utf8'), `rendered hello for 127.0.0.1:${sshd.port}\n`);
    assert.equal(readFileSync(join(remoteDir, 'payload.txt'), 'utf8'), 'shipped by ADD\n');
    assert.match(out, /\[prep\] jobs: 3 catalog jobs done/);

    // Both good clients are online in the server and run jobs.
    const online = await eventually(`both bootstrapped agents online; bootstrap said:\n${out}`, async () => {
      const agents = await req(cluster.ui, 'agents:list');
      const names = agents.filter((a) => a.online).map((a) => a.identity);
      return names.includes('ssh-good-1') && names.includes('ssh-good-2') ? names : undefined;
    });
    assert.ok(online.includes('ssh-good-1'));
    const ran = await runCli(['exec', '--verb', 'RUN', '--target', 'ssh-good-2', '--poll', '--check', 'echo bootstrapped-$((6*7))'], {
      env: cluster.env,
      timeoutMs: 60_000,
    });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    for (const prefix of [good1, good2]) {
      assert.ok(existsSync(join(prefix, 'directord-agent.cjs')), `${prefix}: agent bundle installed`);
      assert.ok(!existsSync(join(prefix, 'directord-agent.cjs.tmp')), `${prefix}: no temporary upload left`);
      // Enrolled with a token from the server: its own credential, no shared key, the token removed.
      assert.equal(statSync(join(prefix, 'cache', 'enrolment.json')).mode & 0o777, 0o600, `${prefix}: enrolled`);
      assert.ok(!existsSync(join(prefix, 'agent.key')), `${prefix}: no shared agent key`);
      assert.ok(!existsSync(join(prefix, 'enrol.token')), `${prefix}: used token removed`);
      assert.match(
        readFileSync(join(prefix, 'run.sh'), 'utf8'),
        new RegExp(`--server ${cluster.url.replace(/[.:/]/g, '\\$&')} --identity ssh-good-\\d`),
      );
    }
    assert.match(out, /\[ssh-good-1\] online: ssh-good-1 is online \(enrolled with a single-use token\)/);
    const tokens = await req(cluster.ui, 'enrolments:list');
    assert.deepEqual(
      tokens.filter((t) => /^ssh bootstrap of ssh-good-\d$/.test(t.note)).map((t) => t.state),
      ['exhausted', 'exhausted'],
      JSON.stringify(tokens),
    );

    // The two bad hosts: their own error and what to do; nothing installed for them.
    assert.match(out, new RegExp(`\\[ssh-unreachable\\] connect: FAILED: cannot reach 127\\.0\\.0\\.1:${closedPort}: ECONNREFUSED`));
    assert.match(out, /\[ssh-unreachable\] what to do: Check the address and port, that sshd runs on the host/);
    assert.match(out, /\[ssh-wrong-key\] connect: FAILED: authentication failed on 127\.0\.0\.1:\d+/);
    assert.match(
      out,
      /\[ssh-wrong-key\] what to do: The host refused the key\. Add its public half to the user's ~\/\.ssh\/authorized_keys/,
    );
    assert.ok(!existsSync(wrongPrefix));
    assert.match(out, /Bootstrap finished: 3 of 5 host\(s\) succeeded/);
    assert.match(out, /FAILED {2}ssh-unreachable: unreachable: /);
    assert.match(out, /FAILED {2}ssh-wrong-key: auth-failed: /);

    // accept-new recorded the host key once, in OpenSSH's format.
    const kh = readFileSync(knownHosts, 'utf8').trim().split('\n');
    assert.deepEqual(kh, [`[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}`]);
  });

  test('a reinstalled host whose name an earlier agent holds: name-taken with the way out; --replace revokes and installs again', async () => {
    // ssh-good-1 from the first test: its agent stopped and its files gone, as on a reinstalled host.
    const old = join(work, 'prefix-1');
    wipeInstall(old);
    const prefix = join(work, 'prefix-replaced');
    prefixes.push(prefix);
    const file = join(work, 'catalog-again.yaml');
    writeFileSync(
      file,
      `directord_clients:\n  args:\n    port: ${sshd.port}\n    username: ${sshd.user}\n  targets:\n  - host: 127.0.0.1\n    name: ssh-good-1\n    prefix: ${prefix}\n`,
    );
    const args = [
      'bootstrap',
      '--catalog',
      file,
      '--key-file',
      sshd.clientKey,
      '--known-hosts',
      join(work, 'known_hosts'),
      '--start',
      'nohup',
      '--online-timeout',
      '20',
    ];
    const refused = await runCli(args, { env: cluster.env, cwd: work, timeoutMs: 120_000 });
    const refusedOut = refused.stdout + refused.stderr;
    assert.equal(refused.code, 1, refusedOut);
    assert.match(refusedOut, /FAILED {2}ssh-good-1: name-taken: /);
    assert.match(refusedOut, /\[ssh-good-1\] what to do: .*directord bootstrap --replace revokes and installs again/);

    const replaced = await runCli([...args, '--replace'], { env: cluster.env, cwd: work, timeoutMs: 120_000 });
    const out = replaced.stdout + replaced.stderr;
    assert.equal(replaced.code, 0, out);
    assert.match(out, /\[ssh-good-1\] name taken: revoked the earlier agent ssh-good-1; installing again \(--replace\)/);
    assert.match(out, /Bootstrap finished: 1 of 1 host\(s\) succeeded/);
    await eventually('the replaced agent online', async () =>
      (await req(cluster.ui, 'agents:list')).some((a) => a.identity === 'ssh-good-1' && a.online) ? true : undefined,
    );
    const ran = await runCli(['exec', '--verb', 'RUN', '--target', 'ssh-good-1', '--poll', '--check', 'echo replaced'], {
      env: cluster.env,
      timeoutMs: 60_000,
    });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  });

  test('a catalog that names no target, or a bad job, is a usage error naming the field', async () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(file, 'directord_clients:\n  targets:\n  - host: 127.0.0.1\n  jobs:\n  - COPY: a b\n');
    const r = await runCli(['bootstrap', '--catalog', file], { env: cluster.env, timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad\.yaml: directord_clients\.jobs\[0\]: unknown job type "COPY" \(bootstrap knows RUN, ADD and GET\)/);
  });
});
