/**
 * The console's path: `/ui hosts:bootstrap` on a real server (in this process, SQLite in a temp
 * dir) against a real OpenSSH server on loopback, with progress streamed as `bootstrap:progress`
 * and `bootstrap:finished`. Also the host-key policies, a prefix the user cannot write, and an
 * agent that never comes online (the engine with a short timeout): each fails with its own code,
 * and nothing of the agent stays on the host.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootstrapFinished, BootstrapProgress } from '../../protocol/bootstrap.js';
import { silentLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { runBootstrap } from '../../server/bootstrap/engine.js';
import { tokenIssuer } from '../../server/bootstrap/enrolment.js';
import { bundles, connectUi, eventually, req, withTimeout, type UiSocket } from '../integration/harness.js';
import { killInstalledAgents, wipeInstall } from './installed-agents.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

describe('hosts:bootstrap (console) against a real sshd', { timeout: 240_000 }, () => {
  let sshd: SshdFixture;
  let server: DirectordServer;
  let ui: UiSocket;
  let work: string;
  let agentBundle: string;
  const prefixes: string[] = [];
  const progress: BootstrapProgress[] = [];
  const finished: BootstrapFinished[] = [];

  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'directord-bootstrap-ui-'));
    agentBundle = (await bundles()).agent;
    server = await createServer({ dataDir: join(work, 'data'), port: 0, log: silentLogger, agentBundle });
    ui = await connectUi(server.url, server.uiToken);
    ui.on('bootstrap:progress', (e) => void progress.push(e));
    ui.on('bootstrap:finished', (e) => void finished.push(e));
  });

  after(async () => {
    killInstalledAgents(prefixes);
    ui?.close();
    await server?.close();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const knownHosts = () => join(work, 'data', 'known_hosts');
  const address = () => `${sshd.user}@127.0.0.1:${sshd.port}`;

  async function bootstrap(extra: Record<string, unknown>, name?: string): Promise<BootstrapFinished> {
    const line = name ? `${name}=${address()}` : address();
    const started = await req(ui, 'hosts:bootstrap', { hosts: [line], auth: { kind: 'key', keyFile: sshd.clientKey }, ...extra });
    assert.deepEqual(started.hosts, [{ host: line, identity: name ?? '127.0.0.1' }]);
    return withTimeout(
      (async () => {
        for (;;) {
          const done = finished.find((f) => f.bootstrapId === started.bootstrapId);
          if (done) return done;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      120_000,
      'bootstrap:finished',
    );
  }

  test('strict host keys refuse a host that is not in known_hosts, naming its fingerprint', async () => {
    // Named (NAME=address): the agent it would install is `strict-host`, not the address.
    const done = await bootstrap({ prefix: join(work, 'strict'), hostKeys: 'strict' }, 'strict-host');
    assert.equal(done.results[0]?.identity, 'strict-host');
    const failure = done.results[0]?.failure;
    assert.equal(failure?.code, 'host-key-unknown');
    assert.match(failure?.message ?? '', /127\.0\.0\.1:\d+ is not in .*known_hosts \(its key: ssh-ed25519 SHA256:/);
    assert.ok(!existsSync(knownHosts()), 'strict never writes known_hosts');
  });

  test('a host is installed, started and seen online; each step is streamed to the console', async () => {
    const prefix = join(work, 'prefix-ok');
    prefixes.push(prefix);
    const done = await bootstrap({ prefix });
    assert.equal(done.results[0]?.ok, true, JSON.stringify(done.results));
    const agents = await req(ui, 'agents:list');
    assert.ok(
      agents.some((a) => a.identity === '127.0.0.1' && a.online),
      JSON.stringify(agents),
    );
    const steps = progress.filter((p) => p.bootstrapId === done.bootstrapId && p.state === 'done').map((p) => p.step);
    assert.deepEqual(steps, ['connect', 'check-node', 'upload', 'configure', 'start', 'online']);
    assert.ok(existsSync(join(prefix, 'directord-agent.cjs')));
    assert.ok(!existsSync(join(prefix, 'directord-agent.cjs.tmp')));
    assert.equal(readFileSync(knownHosts(), 'utf8'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`);

    // It enrolled with its own single-use token: a credential in its cache dir, no shared key, the token gone.
    const enrolment = JSON.parse(readFileSync(join(prefix, 'cache', 'enrolment.json'), 'utf8')) as { identity: string; credential: string };
    assert.equal(enrolment.identity, '127.0.0.1');
    assert.ok(enrolment.credential.length >= 32);
    assert.equal(statSync(join(prefix, 'cache', 'enrolment.json')).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(prefix, 'agent.key')), 'the shared agent key is never written to a host');
    assert.ok(!existsSync(join(prefix, 'enrol.token')), 'the used token is removed');
    assert.ok(!readFileSync(join(prefix, 'run.sh'), 'utf8').includes(server.agentKey));
    const tokens = await req(ui, 'enrolments:list');
    const used = tokens.filter((t) => t.createdBy === 'bootstrap');
    assert.equal(used.length, 1, JSON.stringify(tokens));
    assert.deepEqual([used[0]?.state, used[0]?.uses, used[0]?.note], ['exhausted', 1, 'ssh bootstrap of 127.0.0.1']);
  });

  test('installing again after the files of the first install were deleted fails with the way out: revoke, or another name', async () => {
    const first = join(work, 'prefix-ok');
    wipeInstall(first);
    const prefix = join(work, 'prefix-again');
    prefixes.push(prefix);
    const done = await bootstrap({ prefix });
    const failure = done.results[0]?.failure;
    assert.equal(failure?.code, 'name-taken', JSON.stringify(done.results));
    assert.match(failure?.message ?? '', /exited before it came online[\s\S]*agent 127\.0\.0\.1 is already enrolled/);
    assert.match(
      failure?.hint ?? '',
      /revoke 127\.0\.0\.1 \(Hosts → Revoke, or directord manage --revoke-node 127\.0\.0\.1\) and add the host again; otherwise give this one another name \(NAME=user@host:port/,
    );
    assert.ok(!existsSync(prefix), 'the failed install is removed');
  });

  test('a changed host key is refused even with accept-new', async () => {
    const good = readFileSync(knownHosts(), 'utf8');
    writeFileSync(knownHosts(), `[127.0.0.1]:${sshd.port} ${sshd.otherHostKeyLine}\n`);
    try {
      const done = await bootstrap({ prefix: join(work, 'changed') });
      assert.equal(done.results[0]?.failure?.code, 'host-key-changed');
      assert.match(done.results[0]?.failure?.hint ?? '', /Verify the new fingerprint out of band/);
      assert.ok(!existsSync(join(work, 'changed')));
    } finally {
      writeFileSync(knownHosts(), good);
    }
  });

  test('a prefix the user cannot create fails as permission-denied', async () => {
    const done = await bootstrap({ prefix: '/sys/directord-agent-test' });
    const failure = done.results[0]?.failure;
    assert.equal(failure?.code, 'permission-denied', JSON.stringify(failure));
    assert.match(failure?.hint ?? '', /choose a prefix it owns/);
  });

  test('bad input is refused before anything connects', async () => {
    const r = await withTimeout(
      (
        ui.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { message: string } }> }
      ).emitWithAck('hosts:bootstrap', { hosts: ['root@bad host'], auth: { kind: 'key', keyFile: sshd.clientKey } }),
      15_000,
      'ack',
    );
    assert.equal(r.ok, false);
    assert.match(r.error?.message ?? '', /hosts\[0\]: "root@bad host" is not an address/);
    // Two hosts behind one address on different ports would be one agent: refused, with the way out.
    const twice = await withTimeout(
      (
        ui.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { message: string } }> }
      ).emitWithAck('hosts:bootstrap', { hosts: ['me@10.0.0.7:2222', 'me@10.0.0.7:2223'], auth: { kind: 'key', keyFile: sshd.clientKey } }),
      15_000,
      'ack',
    );
    assert.equal(twice.ok, false);
    assert.match(
      twice.error?.message ?? '',
      /me@10\.0\.0\.7:2222 and me@10\.0\.0\.7:2223 would both be agent 10\.0\.0\.7: .*NAME=user@host:port/,
    );
  });

  test('an agent that cannot reach the server is stopped and removed (engine, short timeout)', async () => {
    const prefix = join(work, 'prefix-unreachable-server');
    prefixes.push(prefix);
    const events: string[] = [];
    const results = await runBootstrap({
      serial: [],
      parallel: [
        {
          label: 'lost',
          endpoint: { host: '127.0.0.1', port: sshd.port, username: sshd.user },
          identity: 'lost-agent',
          jobs: [],
          vars: {},
          installAgent: true,
        },
      ],
      threads: 1,
      auth: { keyFiles: [sshd.clientKey] },
      hostKeys: { file: knownHosts(), policy: 'accept-new' },
      install: { bundle: agentBundle, serverUrl: 'http://127.0.0.1:9', prefix, start: 'nohup', onlineTimeoutMs: 4000 },
      issuer: tokenIssuer(
        (r) => server.enrolment.create(r),
        (id) => server.enrolment.revokeToken(id),
      ),
      presence: async (identity) => (await req(ui, 'agents:list')).find((a) => a.identity === identity),
      sourceDirs: [],
      onProgress: (e) => void events.push(`${e.step}:${e.state}`),
    });
    assert.equal(results[0]?.ok, false);
    assert.equal(results[0]?.failure?.code, 'not-online', JSON.stringify(results));
    // An enrolling agent that cannot reach the server says so and exits; agent.log is in the message.
    assert.match(
      results[0]?.failure?.message ?? '',
      /the agent on .* exited before it came online\nagent\.log:\n.*cannot reach the server at http:\/\/127\.0\.0\.1:9/,
    );
    assert.ok(events.includes('start:done') && events.includes('online:failed'), events.join(' '));
    await eventually('the prefix removed', () => (existsSync(prefix) ? undefined : true), 5000);
    // The token it was given is withdrawn, not left to be used by whoever saw it.
    const token = (await req(ui, 'enrolments:list')).find((t) => t.note === 'ssh bootstrap of lost-agent');
    assert.equal(token?.state, 'revoked', JSON.stringify(token));
  });
});
