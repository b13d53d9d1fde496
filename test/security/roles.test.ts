/**
 * Issue #5 roles: the console token, the CLI token and agent credentials each open only their
 * own door (`/ui` + console HTTP, `/ui` + `POST /api/ui`, `/agent`); an enrolled agent reads only
 * the blobs of its own jobs; the CLI creates tokens and revokes nodes over TLS. In-process server
 * with TLS forced on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { builtinComponents } from '../../components/builtin/index.js';
import { enrol } from '../../agent/enrolment.js';
import { pinnedAgent } from '../../agent/tls-pin.js';
import type { AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { Result } from '../../protocol/result.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { authenticateAgent } from '../../server/agents/agents.auth.js';
import { eventually, runCli, withTimeout } from '../integration/harness.js';
import { ask, SecurityStack, value, type UiSocket } from './stack.js';

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

function https(
  stack: SecurityStack,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const url = new URL(path, stack.s.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        ...stack.tlsOptions(),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Connects to `/agent` with `auth`; resolves the socket or the refusal's data. */
function agentSocket(
  stack: SecurityStack,
  auth: Readonly<Record<string, string | undefined>>,
): Promise<{ socket: AgentSocket } | { refused: { code?: string; message?: string } }> {
  const socket: AgentSocket = io(`${stack.s.url}/agent`, {
    transports: ['websocket'],
    auth,
    reconnection: false,
    forceNew: true,
    agent: pinnedAgent({ expected: () => stack.s.fingerprint, onMismatch: () => undefined }) as unknown as string,
  });
  stack.sockets.push(socket);
  return withTimeout(
    new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (e: Error & { data?: { code?: string; message?: string } }) =>
        resolve({ refused: e.data ?? { message: e.message } }),
      );
    }),
    6000,
    'agent connect',
  );
}

const hello = (identity: string, machineId: string) => ({
  protocolVersion: PROTOCOL_VERSION,
  identity,
  machineId,
  agentVersion: '0.0.0-security-test',
  facts: {
    hostname: identity,
    os: 'Test OS',
    platform: 'linux',
    release: '1',
    arch: 'x64',
    cores: 1,
    memoryBytes: 1,
    nodeVersion: 'v20',
    hostUptimeS: 1,
  },
  components: [],
  activeJobs: [],
  startedAt: Date.now(),
});

describe('roles and per-agent isolation', { timeout: 120_000 }, () => {
  // The raw agent sockets here send no heartbeats: keep them online for the whole suite on a busy machine.
  const stack = new SecurityStack({ tls: 'on', components: builtinComponents, heartbeatIntervalMs: 60_000 });
  let consoleUi: UiSocket;
  let cliUi: UiSocket;
  const credentials = new Map<string, string>();

  before(async () => {
    const server = await stack.start();
    consoleUi = await stack.ui(server.uiToken);
    cliUi = await stack.ui(server.cliToken, 'console');
    const created = value(await ask(consoleUi, 'enrolments:create', { uses: 2, note: 'roles' }));
    for (const identity of ['iso-a', 'iso-b']) {
      const got = await enrol({
        serverUrl: server.url,
        identity,
        machineId: `machine-${identity}`,
        token: created.token,
        fingerprint: server.fingerprint ?? '',
      });
      credentials.set(identity, value(got).credential);
    }
  });
  after(async () => {
    await stack.close();
  });

  test('an agent credential opens neither /ui nor the HTTP API nor the console', async () => {
    const credential = credentials.get('iso-a')!;
    await assert.rejects(stack.ui(credential), (e: Error & { data?: { code?: string } }) => e.data?.code === 'unauthorized');
    const api = await https(stack, 'POST', '/api/ui/agents:list', { Authorization: `Bearer ${credential}` });
    assert.equal(api.status, 401);
    const page = await https(stack, 'GET', `/?token=${encodeURIComponent(credential)}`);
    assert.equal(page.status, 401);
  });

  test('the console and CLI tokens do not open /agent', async () => {
    for (const token of [stack.s.uiToken, stack.s.cliToken]) {
      for (const auth of [
        { identity: 'intruder', key: token },
        { identity: 'iso-a', credential: token },
        { identity: 'intruder', enrol: token },
      ]) {
        const r = await agentSocket(stack, auth);
        assert.ok('refused' in r, `refused: ${JSON.stringify(Object.keys(auth))}`);
        assert.equal(r.refused.code, 'unauthorized');
      }
    }
  });

  test('the console token opens the console, not the API; the CLI token the API, not the console', async () => {
    const consoleApi = await https(stack, 'POST', '/api/ui/server:info', { Authorization: `Bearer ${stack.s.uiToken}` });
    assert.equal(consoleApi.status, 401);
    assert.match(consoleApi.text, /"code":"unauthorized"/);
    const cliApi = await https(stack, 'POST', '/api/ui/server:info', { Authorization: `Bearer ${stack.s.cliToken}` });
    assert.equal(cliApi.status, 200);
    assert.equal((JSON.parse(cliApi.text) as Result<{ fingerprint?: string }>).ok, true);
    assert.equal((JSON.parse(cliApi.text) as { value: { fingerprint?: string } }).value.fingerprint, stack.s.fingerprint);

    assert.equal((await https(stack, 'GET', `/?token=${stack.s.cliToken}`)).status, 401);
    assert.equal((await https(stack, 'GET', '/', { cookie: `directord_token=${stack.s.cliToken}` })).status, 401);
    const login = await https(stack, 'GET', `/?token=${stack.s.uiToken}`);
    assert.equal(login.status, 302);
    assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict; Secure/);

    // Each is recorded as its own role, whatever name the client claims.
    const byCli = value(await ask(cliUi, 'enrolments:create', {}));
    const byConsole = value(await ask(await stack.ui(stack.s.uiToken, 'cli'), 'enrolments:create', {}));
    const list = value(await ask(consoleUi, 'enrolments:list'));
    assert.equal(list.find((e) => e.id === byCli.id)?.createdBy, 'cli');
    assert.equal(list.find((e) => e.id === byConsole.id)?.createdBy, 'console');
  });

  test('the local agent key is refused from another machine and for a revoked identity', () => {
    const deps = { agentKey: stack.s.agentKey, enrolment: stack.s.enrolment };
    const remote = authenticateAgent(deps, { identity: 'far', key: stack.s.agentKey }, '10.1.2.3');
    assert.equal(remote.ok ? '' : remote.error.code, 'unauthorized');
    assert.match(remote.ok ? '' : remote.error.message, /only from this machine/);
    assert.ok(authenticateAgent(deps, { identity: 'near', key: stack.s.agentKey }, '::ffff:127.0.0.1').ok);
  });

  test('an enrolled agent gets only its own jobs and blobs, and a credential works for its own identity only', async () => {
    const sockets: Record<string, AgentSocket> = {};
    const dispatched: Record<string, DispatchedJob[]> = { 'iso-a': [], 'iso-b': [] };
    for (const identity of ['iso-a', 'iso-b']) {
      const r = await agentSocket(stack, { identity, credential: credentials.get(identity)! });
      assert.ok('socket' in r, 'refused' in r ? JSON.stringify(r.refused) : '');
      r.socket.on('job:dispatch', (jobs, ack) => {
        dispatched[identity]!.push(...jobs);
        ack({ ok: true, value: { accepted: jobs.length } });
      });
      assert.ok((await r.socket.emitWithAck('agent:hello', hello(identity, `machine-${identity}`))).ok);
      sockets[identity] = r.socket;
    }
    const swapped = await agentSocket(stack, { identity: 'iso-b', credential: credentials.get('iso-a')! });
    assert.ok('refused' in swapped && swapped.refused.code === 'unauthorized', "iso-a's credential does not open iso-b");

    const content = `secret ${randomBytes(4).toString('hex')}\n`;
    const sha = createHash('sha3-224').update(content).digest('hex');
    value(await ask(cliUi, 'blobs:put', { sha, size: Buffer.byteLength(content), content, encoding: 'utf8' }));
    const file = { name: 'app.conf', sha, size: Buffer.byteLength(content), mode: 0o644 };
    const submitted = value(
      await ask(cliUi, 'runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'ADD', text: 'app.conf /tmp/app.conf', files: [file] }] }],
        targets: ['iso-a'],
      }),
    );
    const jobId = submitted.jobs[0]!.jobId;
    await eventually('the job reaches iso-a', () => (dispatched['iso-a']!.some((j) => j.jobId === jobId) ? true : undefined), 5000);
    assert.deepEqual(dispatched['iso-b'], [], "iso-b is sent nothing of iso-a's");

    const own = await sockets['iso-a']!.emitWithAck('blob:get', { sha, jobId });
    assert.ok(own.ok && Buffer.from(own.value.content, 'base64').toString() === content);
    const stolen = await sockets['iso-b']!.emitWithAck('blob:get', { sha, jobId });
    assert.equal(stolen.ok ? '' : stolen.error.code, 'forbidden');
    const agents = await sockets['iso-b']!.emitWithAck('jobs:state', { sha: submitted.jobs[0]!.sha, identities: ['iso-b'] });
    assert.ok(agents.ok, 'jobs:state answers for the asking agent');
  });

  test('the CLI creates enrolment tokens and revokes nodes (over TLS, with cli.token)', async () => {
    const env = { ...process.env, DIRECTORD_DATA_DIR: stack.dataDir };
    const created = await runCli(['manage', '--create-enrolment', '--uses', '2', '--expires', '10m', '--note', 'from the cli'], { env });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Enrolment token [0-9a-f]{12} \(2 uses, expires .*, from the cli\):\n[0-9a-f]{12}\.[\w-]+\n/);
    assert.ok(
      created.stdout.includes(`directord agent --server ${stack.s.url} --token `) &&
        created.stdout.includes(`--fingerprint ${stack.s.fingerprint}`),
    );
    const listed = await runCli(['manage', '--list-enrolments'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /active +0\/2 .* cli +from the cli/);
    const usage = await runCli(['manage', '--list-nodes', '--uses', '2'], { env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--uses only applies to --create-enrolment/);

    const revoked = await runCli(['manage', '--revoke-node', 'iso-b'], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Node iso-b revoked and disconnected/);
    const again = await agentSocket(stack, { identity: 'iso-b', credential: credentials.get('iso-b')! });
    assert.ok('refused' in again && again.refused.code === 'revoked', 'refused' in again ? JSON.stringify(again.refused) : 'connected');
    assert.match(
      'refused' in again ? (again.refused.message ?? '') : '',
      /agent iso-b was revoked at .* by cli \(revoked with directord manage --revoke-node\)/,
    );
    const unknown = await runCli(['manage', '--revoke-node', 'nobody'], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no agent named nobody/);
  });
});
