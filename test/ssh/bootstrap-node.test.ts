/**
 * Issue #6 item 4, "Node on the host": one bootstrap run (the engine both `directord bootstrap`
 * and the console use) against three real sshds on loopback. One is an ordinary host; on the
 * others the session PATH (sshd_config `SetEnv`, see sshd-fixture.ts) is a directory of the
 * tools the installer uses — and either a stand-in `node` that reports v18.19.1, or no `node` at
 * all. Each bad host fails with its own code, a message naming what it found and the documented
 * install command as the hint; nothing of the agent is written or started there; the good host
 * in the same run still gets a running agent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootstrapHostResult } from '../../protocol/bootstrap.js';
import { silentLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { runBootstrap, type BootstrapHost } from '../../server/bootstrap/engine.js';
import { sharedKeyIssuer } from '../../server/bootstrap/enrolment.js';
import { NODE_INSTALL_HINT } from '../../server/bootstrap/failures.js';
import { ROOT, bundles, connectUi, processesMatching, req, withTimeout, type UiSocket } from '../integration/harness.js';
import { killInstalledAgents } from './installed-agents.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

/**
 * What the installer runs over SSH (install-agent.ts) plus what the login shell's rc files may
 * call, so a host without `node` is otherwise a working host: if the installer touched the prefix
 * before checking Node, these would let it, and the test would see it.
 */
const HOST_TOOLS = [
  'sh',
  'bash',
  'env',
  'mkdir',
  'rm',
  'mv',
  'cat',
  'tail',
  'sleep',
  'id',
  'setsid',
  'nohup',
  'kill',
  'ls',
  'chmod',
  'dirname',
  'basename',
  'readlink',
  'uname',
  'head',
  'grep',
  'sed',
];

/** A bin directory of symlinks to this machine's HOST_TOOLS, and never `node`. */
function toolsDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of HOST_TOOLS) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    const target = r.stdout.trim();
    if (r.status === 0 && target.startsWith('/')) symlinkSync(target, join(dir, tool));
  }
  for (const needed of ['sh', 'mkdir', 'rm']) assert.ok(existsSync(join(dir, needed)), `${needed} not found on this machine`);
  return dir;
}

/** Lines like `node --version`, one per call, that the stand-in node was asked. */
function calls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
}

describe('bootstrap on hosts without Node ≥ 20 (real sshd, real engine)', { timeout: 240_000 }, () => {
  let good: SshdFixture;
  let oldNode: SshdFixture;
  let noNode: SshdFixture;
  let server: DirectordServer;
  let ui: UiSocket;
  let work: string;
  let agentBundle: string;
  let oldNodeCalls: string;
  let noNodeBin: string;
  const prefixes: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'directord-bootstrap-node-'));
    oldNodeCalls = join(work, 'old-node-calls.log');
    const oldBin = toolsDir(join(work, 'old-node-bin'));
    // Behaves like Node 18 when asked its version; anything else would be a run attempt, logged too.
    writeFileSync(
      join(oldBin, 'node'),
      `#!/bin/sh\necho "node $*" >> '${oldNodeCalls}'\nif [ "$1" = --version ]; then echo v18.19.1; exit 0; fi\necho "node 18 stand-in: refusing to run $*" >&2\nexit 1\n`,
    );
    chmodSync(join(oldBin, 'node'), 0o755);
    noNodeBin = toolsDir(join(work, 'no-node-bin'));
    [good, oldNode, noNode] = await Promise.all([startSshd(), startSshd({ sessionPath: oldBin }), startSshd({ sessionPath: noNodeBin })]);
    agentBundle = (await bundles()).agent;
    server = await createServer({ dataDir: join(work, 'data'), port: 0, log: silentLogger, agentBundle });
    ui = await connectUi(server.url, server.uiToken);
  });

  after(async () => {
    killInstalledAgents(prefixes);
    ui?.close();
    await server?.close();
    await Promise.all([good?.stop(), oldNode?.stop(), noNode?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The command through the fixture's sshd, as the installer's session sees it (rc files included). */
  function sessionSays(fixture: SshdFixture, command: string): { code: number | null; stdout: string } {
    const r = spawnSync(
      'ssh',
      [
        '-i',
        fixture.clientKey,
        '-p',
        String(fixture.port),
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
        `${fixture.user}@127.0.0.1`,
        command,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return { code: r.status, stdout: r.stdout };
  }

  test('the stand-in hosts really are what they claim: the session finds the old stand-in, or no node at all', () => {
    const noneSees = sessionSays(noNode, 'command -v node || echo "no node"; command -v mkdir');
    assert.match(noneSees.stdout, /^no node\n/, `a session on the no-node host found a node:\n${noneSees.stdout}`);
    assert.equal(noneSees.stdout.trim().split('\n').at(-1), join(noNodeBin, 'mkdir'), 'the no-node host still has the other tools');
    const oldSees = sessionSays(oldNode, 'node --version');
    assert.equal(oldSees.stdout.trim(), 'v18.19.1');
    const goodSees = sessionSays(good, 'node --version');
    assert.match(goodSees.stdout.trim(), /^v(2\d|[3-9]\d)\./, 'the good host has Node ≥ 20');
    rmSync(oldNodeCalls, { force: true });
  });

  test('old Node and no Node fail with their own code, what was found and the install command; the good host in the same run succeeds; nothing is left behind', async () => {
    const goodPrefix = join(work, 'prefix-good');
    const oldPrefix = join(work, 'prefix-old-node');
    const nonePrefix = join(work, 'prefix-no-node');
    prefixes.push(goodPrefix, oldPrefix, nonePrefix);
    // The old-node host already has its prefix, with a file of the user's: it must stay exactly so.
    mkdirSync(oldPrefix);
    writeFileSync(join(oldPrefix, 'keep.txt'), 'the user put this here\n');

    const host = (label: string, fixture: SshdFixture, identity: string, prefix: string): BootstrapHost => ({
      label,
      endpoint: { host: '127.0.0.1', port: fixture.port, username: fixture.user },
      identity,
      keyFiles: [fixture.clientKey],
      prefix,
      jobs: [],
      vars: {},
      installAgent: true,
    });
    const failedSteps: string[] = [];
    const results = await withTimeout(
      runBootstrap({
        serial: [],
        parallel: [
          host('old', oldNode, 'node-old-host', oldPrefix),
          host('good', good, 'node-good-host', goodPrefix),
          host('none', noNode, 'node-none-host', nonePrefix),
        ],
        threads: 3,
        auth: { keyFiles: [good.clientKey] },
        hostKeys: { file: join(work, 'known_hosts'), policy: 'accept-new' },
        install: {
          bundle: agentBundle,
          serverUrl: server.url,
          prefix: join(work, 'unused-default-prefix'),
          start: 'nohup',
          onlineTimeoutMs: 60_000,
        },
        issuer: sharedKeyIssuer(server.agentKey),
        presence: async (identity) => (await req(ui, 'agents:list')).find((a) => a.identity === identity),
        sourceDirs: [],
        onProgress: (e) => void (e.state === 'failed' && failedSteps.push(`${e.host}:${e.step}`)),
      }),
      180_000,
      'runBootstrap',
    );
    const byLabel = new Map<string, BootstrapHostResult>(results.map((r) => [r.host, r]));
    const dump = JSON.stringify(results, null, 2);

    // The good host, in the same run, is installed and online.
    assert.equal(byLabel.get('good')?.ok, true, dump);
    assert.ok(existsSync(join(goodPrefix, 'directord-agent.cjs')), dump);
    const online = await req(ui, 'agents:list');
    assert.ok(
      online.some((a) => a.identity === 'node-good-host' && a.online),
      JSON.stringify(online),
    );

    const old = byLabel.get('old')?.failure;
    assert.equal(old?.code, 'old-node', dump);
    assert.match(old?.message ?? '', /has Node\.js v18\.19\.1; the agent needs 20 or later/);
    const none = byLabel.get('none')?.failure;
    assert.equal(none?.code, 'no-node', dump);
    assert.match(none?.message ?? '', /Node\.js is not installed on .*\(no `node` on the login PATH\)/);
    assert.deepEqual(failedSteps.sort(), ['none:check-node', 'old:check-node']);

    // The hint is the documented way to install Node, the same commands as the README's.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const failure of [old, none]) {
      assert.equal(failure?.hint, NODE_INSTALL_HINT);
      for (const command of [
        'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs',
        'sudo dnf install -y nodejs',
        'https://nodejs.org/en/download/package-manager',
      ]) {
        assert.ok(failure?.hint.includes(command), `hint lacks ${command}: ${failure?.hint}`);
        assert.ok(readme.includes(command), `README does not document ${command}`);
      }
    }

    // Nothing half-installed: no prefix created, the existing one untouched, no agent started or listed.
    assert.ok(!existsSync(nonePrefix), `${nonePrefix} was created`);
    assert.deepEqual(readdirSync(oldPrefix), ['keep.txt']);
    assert.equal(readFileSync(join(oldPrefix, 'keep.txt'), 'utf8'), 'the user put this here\n');
    assert.deepEqual(calls(oldNodeCalls), ['node --version'], 'the old node was only asked its version');
    for (const [prefix, identity] of [
      [oldPrefix, 'node-old-host'],
      [nonePrefix, 'node-none-host'],
    ] as const) {
      assert.deepEqual(processesMatching(prefix), [], `a process runs from ${prefix}`);
      assert.deepEqual(processesMatching(`--identity ${identity}`), [], `an agent ${identity} runs`);
      assert.ok(!online.some((a) => a.identity === identity), `${identity} is known to the server`);
    }
  });
});
