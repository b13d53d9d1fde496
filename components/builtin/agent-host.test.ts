/**
 * The system components run through the REAL agent job path (agent/jobs/run-job.ts with the
 * real context, spawn executor, durable cache and host file operations). Host tools are
 * stand-in shell scripts in a temporary directory that is the whole PATH (set through the ENV
 * cache, as a user would): each appends its argv to a log and prints canned output, so the
 * exact command lines are checked — and, with an empty PATH, the "missing tool" failures.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCache } from '../../agent/cache/agent-cache.js';
import { createSpawnExecutor } from '../../agent/exec/spawn.js';
import { JobAbort } from '../../agent/jobs/abort.js';
import { NamedLocks } from '../../agent/jobs/locks.js';
import { runJob } from '../../agent/jobs/run-job.js';
import type { JobDeps } from '../../agent/jobs/types.js';
import type { Outbox } from '../../agent/outbox/outbox.js';
import type { DispatchedJob, JobEvent } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import { parseJob } from '../parse.js';
import { renderTemplate } from '../template.js';
import { builtinComponents } from './index.js';
import { eventually } from '../../test/support/wait.js';

const root = mkdtempSync(join(tmpdir(), 'dd-host-tools-'));
const bin = join(root, 'bin');
const empty = join(root, 'empty');
const logFile = join(root, 'tools.log');
mkdirSync(bin);
mkdirSync(empty);

/** Logs argv (words with spaces in single quotes), fails when "$0 $*" equals $TOOL_FAIL. Shell builtins only: PATH is just this directory. */
const STAND_IN = `#!/bin/sh
{
  printf '%s' "\${0##*/}"
  for a in "$@"; do case $a in *' '*|'') printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac; done
  printf '\\n'
} >> "$TOOL_LOG"
if [ -n "$TOOL_FAIL" ] && [ "\${0##*/} $*" = "$TOOL_FAIL" ]; then echo "stand-in failure: \${0##*/} $*" >&2; exit 1; fi
`;
const CANNED: Record<string, string> = {
  dnf: '',
  systemctl: '',
  podman: 'echo "podman did: $*"\n',
  facter: `printf '%s\\n' '{"os": {"family": "RedHat"}, "fake": true}'\n`,
  semanage: `if [ "$1 $2 $3" = "fcontext -l -n" ]; then printf '%s\\n' '/srv/data                                          directory          system_u:object_r:var_t:s0'; fi\n`,
  restorecon: '',
  sleep: '',
};
for (const [tool, canned] of Object.entries(CANNED)) {
  writeFileSync(join(bin, tool), STAND_IN + canned);
  chmodSync(join(bin, tool), 0o755);
}

const events: JobEvent[] = [];
const cache = new AgentCache({ dir: join(root, 'cache'), log: silentLogger });
const deps: JobDeps = {
  identity: 'node1',
  cache,
  outbox: { push: (event: JobEvent) => void events.push(event) } as unknown as Outbox,
  executor: createSpawnExecutor(),
  components: new Map(builtinComponents.map((c) => [c.verb, c])),
  locks: new NamedLocks(),
  outputCapBytes: 1 << 20,
  log: silentLogger,
  render: renderTemplate,
};

after(() => {
  cache.close();
  rmSync(root, { recursive: true, force: true });
});

type Run = Readonly<{
  outcome: string;
  info: string;
  exitCode?: number | null;
  stdout: string;
  stderr: string;
  log: string[];
  seconds: number;
}>;
let jobs = 0;

/** Parses `text` for `verb` and runs it as the agent would, with PATH (and the log) in the ENV cache. */
async function run(verb: string, text: string, env: { path?: string; fail?: string } = {}): Promise<Run> {
  const component = deps.components.get(verb);
  assert.ok(component, verb);
  const parsed = parseJob(component, text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  cache.setEnvs({ PATH: env.path ?? bin, TOOL_LOG: logFile, TOOL_FAIL: env.fail ?? '' });
  writeFileSync(logFile, '');
  events.length = 0;
  const n = ++jobs;
  const job: DispatchedJob = {
    jobId: `job-${n}`,
    runId: 'run-1',
    parentId: `parent-${n}`,
    verb,
    args: JSON.parse(JSON.stringify(parsed.value.fields)) as Record<string, unknown>,
    sha: parsed.value.sha,
    timeout: parsed.value.common.timeout,
    skipCache: true,
    parentAsync: false,
  };
  const started = Date.now();
  await runJob(deps, { job, abort: new JobAbort(), state: 'running' });
  const finished = events.find((e) => e.type === 'finished');
  assert.ok(finished && finished.type === 'finished', `${verb} finished`);
  const text_ = (stream: 'stdout' | 'stderr') =>
    events
      .filter((e) => e.type === 'output' && e.stream === stream)
      .map((e) => (e.type === 'output' ? e.data : ''))
      .join('');
  return {
    outcome: finished.outcome,
    info: finished.info,
    ...(finished.exitCode !== undefined ? { exitCode: finished.exitCode } : {}),
    stdout: text_('stdout'),
    stderr: text_('stderr'),
    log: logLines(),
    seconds: (Date.now() - started) / 1000,
  };
}

function logLines(): string[] {
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
}

function waitForLog(lines: number, ms: number): Promise<string[]> {
  return eventually(`${lines} lines of the stand-in tools' log`, () => (logLines().length >= lines ? logLines() : undefined), ms, 20);
}

describe('system components on the real agent with stand-in tools', { timeout: 60_000 }, () => {
  test('DNF runs the exact dnf command lines', async () => {
    const r = await run('DNF', "--clear-metadata --latest --exclude kernel*,glibc vim 'python3-*'");
    assert.deepEqual(r.log, ['dnf clean all', 'dnf makecache', 'dnf -q -y --best --exclude=kernel*,glibc install vim python3-*']);
    assert.equal(r.stdout, '=== dnf clean ===\n=== dnf makecache ===\n=== dnf install ===\n');
    assert.equal(r.outcome, 'succeeded');
    assert.equal(r.info, "dnf -q -y --best --exclude='kernel*,glibc' install vim 'python3-*'");

    const failing = await run('DNF', '--absent --retry 2 vim', { fail: 'dnf -q -y remove vim' });
    assert.deepEqual(failing.log, ['dnf -q -y remove vim', 'dnf -q -y remove vim']);
    assert.equal(failing.outcome, 'failed');
    assert.equal(failing.exitCode, 1);
    assert.equal(
      failing.stderr,
      'stand-in failure: dnf -q -y remove vim\nDNF: attempt 1 of 2 failed (exit 1); retrying\nstand-in failure: dnf -q -y remove vim\n',
    );
  });

  test('SERVICE runs daemon-reload, state, then the running action; retries as a whole', async () => {
    const r = await run('SERVICE', '--daemon-reload --enable httpd chronyd');
    assert.deepEqual(r.log, ['systemctl daemon-reload', 'systemctl enable httpd chronyd', 'systemctl start httpd chronyd']);
    assert.equal(r.outcome, 'succeeded');

    const restart = await run('SERVICE', '--restarted --unmask httpd');
    assert.deepEqual(restart.log, ['systemctl unmask httpd', 'systemctl restart httpd']);

    const failing = await run('SERVICE', '--daemon-reload --enable --retry 2 httpd', { fail: 'systemctl enable httpd' });
    assert.deepEqual(failing.log, [
      'systemctl daemon-reload',
      'systemctl enable httpd',
      'systemctl daemon-reload',
      'systemctl enable httpd',
    ]);
    assert.equal(failing.outcome, 'failed');
    assert.equal(failing.info, 'Failed to set the systemd state');
  });

  test('POD and CONTAINER_IMAGE run the exact podman command lines', async () => {
    const exec = await run('POD', '--exec-run web --privileged --env A=1,B=two --command sh -c "echo $A"');
    assert.deepEqual(exec.log, ["podman exec --privileged --env A=1 --env B=two web sh -c 'echo $A'"]);
    assert.equal(exec.stdout, 'podman did: exec --privileged --env A=1 --env B=two web sh -c echo $A\n');
    assert.equal(exec.outcome, 'succeeded');

    const podFile = join(root, 'web pod.yaml');
    writeFileSync(podFile, 'apiVersion: v1\nkind: Pod\n');
    const play = await run('POD', `--play '${podFile}' --no-tlsverify`);
    assert.deepEqual(play.log, [`podman play kube --tls-verify=false '${podFile}'`]);
    const missing = await run('POD', `--play ${join(root, 'none.yaml')}`);
    assert.equal(missing.outcome, 'failed');
    assert.deepEqual(missing.log, []);
    assert.equal(missing.stderr, `POD: pod file ${join(root, 'none.yaml')} does not exist on this host\n`);

    const kill = await run('POD', '--kill web --kill-signal SIGTERM --socket-path /run/podman/podman.sock');
    assert.deepEqual(kill.log, ['podman --url unix:///run/podman/podman.sock pod kill --signal SIGTERM web']);

    const pull = await run('CONTAINER_IMAGE', '--pull --no-tlsverify quay.io/a/b:1 registry:5000/c', {
      fail: 'podman pull --tls-verify=false quay.io/a/b:1',
    });
    assert.deepEqual(pull.log, ['podman pull --tls-verify=false quay.io/a/b:1', 'podman pull --tls-verify=false registry:5000/c']);
    assert.equal(pull.outcome, 'failed');
    assert.equal(pull.info, 'Failed: podman pull --tls-verify=false quay.io/a/b:1 (exit 1)');

    const tag = await run('CONTAINER_IMAGE', '--tag app:v2 registry:5000/app:v2');
    assert.deepEqual(tag.log, ['podman tag app:v2 registry:5000/app:v2']);
    const list = await run('CONTAINER_IMAGE', '--list');
    assert.deepEqual(list.log, ['podman images --format json']);
  });

  test('FACTER stores the parsed facts in args.facter', async () => {
    cache.setArgs({ facter: { stale: true } });
    const r = await run('FACTER', "--custom-dir /etc/facter/custom --external-dir '/etc/facter/ext dir'");
    assert.deepEqual(r.log, ["facter --json --custom-dir /etc/facter/custom --external-dir '/etc/facter/ext dir'"]);
    assert.equal(r.outcome, 'succeeded');
    assert.equal(r.stdout, '{"os": {"family": "RedHat"}, "fake": true}\n');
    assert.deepEqual(cache.getArgs().facter, { os: { family: 'RedHat' }, fake: true });
  });

  test('SECONTEXT adds a new record, modifies an existing one, relabels with --reload', async () => {
    const add = await run('SECONTEXT', "--setype httpd_sys_content_t '/srv/web(/.*)?'");
    assert.deepEqual(add.log, ['semanage fcontext -l -n', 'semanage fcontext -a -t httpd_sys_content_t /srv/web(/.*)?']);
    assert.equal(add.stdout, '/srv/web(/.*)?\n');
    assert.equal(add.outcome, 'succeeded');
    const modify = await run('SECONTEXT', '--reload --ftype d --selevel s0 --setype var_log_t /srv/data');
    assert.deepEqual(modify.log, [
      'semanage fcontext -l -n',
      'semanage fcontext -m -t var_log_t -f d -r s0 /srv/data',
      'restorecon -R -v /srv/data',
    ]);
    assert.equal(modify.outcome, 'succeeded');
  });

  test('REBOOT starts the detached reboot command (stand-in systemctl only)', async () => {
    // Never let a real systemctl run: the stand-in must be the only one on this PATH.
    const resolved = execFileSync('/bin/sh', ['-c', 'command -v systemctl'], { env: { PATH: bin }, encoding: 'utf8' }).trim();
    assert.equal(resolved, join(bin, 'systemctl'));
    const r = await run('REBOOT', '0');
    assert.equal(r.outcome, 'succeeded');
    assert.equal(r.stdout, 'Reboot scheduled in 0 seconds\n');
    assert.equal(r.info, "sleep 0; systemctl --message='Directord reboot instruction' reboot");
    assert.deepEqual(await waitForLog(2, 5000), ['sleep 0', "systemctl '--message=Directord reboot instruction' reboot"]);
  });

  test('a missing tool fails clearly and runs nothing', async () => {
    const cases: [string, string, string][] = [
      ['DNF', 'vim', 'dnf is not installed on this host'],
      ['SERVICE', 'httpd', 'systemctl is not installed on this host (SERVICE needs systemd)'],
      ['REBOOT', '0', 'systemctl is not installed on this host (REBOOT needs systemd)'],
      ['POD', '--start web', 'podman is not installed on this host'],
      ['CONTAINER_IMAGE', '--list', 'podman is not installed on this host'],
      ['FACTER', '', 'Facter is not installed!'],
      ['SECONTEXT', '--setype var_t /srv/x', 'semanage is not installed on this host (install policycoreutils-python-utils)'],
    ];
    for (const [verb, text, message] of cases) {
      const r = await run(verb, text, { path: empty });
      assert.equal(r.outcome, 'failed', verb);
      assert.equal(r.stderr, `${message}\n`, verb);
      assert.equal(r.info, message, verb);
      assert.deepEqual(r.log, [], verb);
    }
  });

  test('CACHEFILE reads the file on the host and extends the args cache', async () => {
    const file = join(root, 'vars.yaml');
    writeFileSync(file, 'packages:\n  - vim\nenabled: yes\n');
    cache.evict('args');
    assert.equal((await run('CACHEFILE', file)).stdout, 'Cache file loaded\n');
    await run('CACHEFILE', file);
    assert.deepEqual(cache.getArgs(), { packages: ['vim', 'vim'], enabled: true });
    const missing = await run('CACHEFILE', join(root, 'nope.yaml'));
    assert.equal(missing.outcome, 'failed');
    assert.match(missing.stderr, /^CACHEFILE: cannot read .*nope\.yaml: ENOENT: no such file or directory/);
  });

  test('CONTAINER_CONFIG_DATA lists and reads the directory on the host', async () => {
    const dir = join(root, 'configs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'web.json'), '{"image": "web:1"}');
    writeFileSync(join(dir, 'db.json'), '{"image": "pg"}');
    writeFileSync(join(dir, 'readme.txt'), 'x');
    const r = await run('CONTAINER_CONFIG_DATA', `--config-path ${dir} --config-overrides '{"web": {"image": "web:2"}}'`);
    assert.equal(r.outcome, 'succeeded');
    assert.deepEqual(cache.get('configs'), { db: { image: 'pg' }, web: { image: 'web:2' } });
  });

  test('WAIT --cmd retries a real command; waits stop at the job timeout', async () => {
    const flag = join(root, 'flag');
    const cmd = await run('WAIT', `--cmd --retry 3 --retry-wait 0.05 [ -f ${flag} ] || { : > ${flag}; echo not yet; exit 1; }`);
    assert.equal(cmd.outcome, 'succeeded');
    assert.equal(cmd.stdout, 'not yet\n');

    const slow = await run('WAIT', '--timeout 1 --seconds 30');
    assert.equal(slow.outcome, 'timed-out');
    assert.ok(slow.seconds < 3, `WAIT stopped after ${slow.seconds} s`);
    const query = await run('QUERY_WAIT', '--timeout 1 never-there');
    assert.equal(query.outcome, 'timed-out');
    assert.ok(query.seconds < 3, `QUERY_WAIT stopped after ${query.seconds} s`);
  });

  describe('WAIT --url through the agent ctx.http', () => {
    let plain: Server;
    let hits = 0;
    before(async () => {
      plain = createHttpServer((req, res) => {
        hits++;
        if (req.url === '/moved') {
          res.writeHead(301, { location: '/ready' }).end();
          return;
        }
        res.writeHead(hits < 3 ? 503 : 200).end('ok');
      });
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    });
    after(() => plain.close());

    test('retries until 2xx and follows redirects', async () => {
      const port = (plain.address() as AddressInfo).port;
      const r = await run('WAIT', `--url http://127.0.0.1:${port}/moved --retry 5 --retry-wait 0.05`);
      assert.equal(r.outcome, 'succeeded');
      assert.equal(r.stdout, 'Response code was 200\n');
      const refused = await run('WAIT', '--url http://127.0.0.1:1/ --retry 1 --retry-wait 0');
      assert.equal(refused.outcome, 'failed');
      assert.equal(refused.info, 'URL did not return a 2xx or 3xx. Retried 1 times');
      assert.match(refused.stderr, /^Exception occurred while fetching url: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    });

    test('--insecure accepts a self-signed certificate', async (t) => {
      const dir = join(root, 'tls');
      mkdirSync(dir);
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '2',
            '-subj',
            '/CN=127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
      } catch {
        t.skip('openssl is not available to make a test certificate');
        return;
      }
      const server = createHttpsServer(
        { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
        (_req, res) => res.writeHead(204).end(),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        const verified = await run('WAIT', `--url ${url} --retry 0`);
        assert.equal(verified.outcome, 'failed');
        assert.match(verified.stderr, /^Exception occurred while fetching url: .*certificate/);
        const insecure = await run('WAIT', `--insecure --url ${url} --retry 0`);
        assert.equal(insecure.outcome, 'succeeded');
        assert.equal(insecure.stdout, 'Response code was 204\n');
      } finally {
        server.close();
      }
    });
  });
});
