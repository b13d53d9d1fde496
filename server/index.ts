/**
 * The composition root: `createServer(options)` opens the data dir and database, wires every
 * feature, listens, and returns a handle whose `close()` stops everything it started.
 * Never imports electron, agent/ or cli/ (the desktop shell and the CLI both call this).
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server, type Namespace } from 'socket.io';
import { builtinComponents } from '../components/builtin/index.js';
import type { Component } from '../components/define.js';
import { parseJob } from '../components/parse.js';
import { createRegistry } from '../components/registry.js';
import { AGENT_NAMESPACE } from '../protocol/agent-events.js';
import { createLogger, type Logger } from '../protocol/log.js';
import { UI_NAMESPACE } from '../protocol/ui-events.js';
import { LIMITS, PROTOCOL_VERSION } from '../protocol/version.js';
import { registerAgentNamespace, type AgentNamespace } from './agents/agents.handlers.js';
import { createBlobGc } from './blobs/blobs.gc.js';
import { createBlobsRepo } from './blobs/blobs.repo.js';
import { createBlobStore } from './blobs/blobs.store.js';
import { createUserComponents } from './components/user-components.js';
import { createQueryCoordinator, type QueryCoordinator } from './jobs/query.service.js';
import { createAgentsRepo } from './agents/agents.repo.js';
import { createAgentRegistry } from './agents/agents.service.js';
import { createUiAccess } from './auth/roles.js';
import { createEnrolmentRepo } from './enrolment/enrolment.repo.js';
import { createEnrolmentService, type EnrolmentService } from './enrolment/enrolment.service.js';
import { createAgentRevoker } from './enrolment/revoke-agent.js';
import { loadOrCreateTlsIdentity, tlsEnabled, type TlsMode } from './tls/certificate.js';
import { migrate } from './db/migrate.js';
import { migrations } from './db/migrations/index.js';
import { openDb } from './db/open.js';
import { createHistoryRepo } from './history/history.repo.js';
import { createHistoryService } from './history/history.service.js';
import { createHttpHandler } from './http/http.handlers.js';
import { createUiApi } from './http/ui-api.js';
import { createAwaiters } from './jobs/awaiters.js';
import { createEventsService } from './jobs/events.service.js';
import { createJobsRepo } from './jobs/jobs.repo.js';
import { createJobsService } from './jobs/jobs.service.js';
import { createJobsState } from './jobs/jobs.state.js';
import { createLibraryRepo } from './library/library.repo.js';
import { createLibraryService } from './library/library.service.js';
import { createUiBroadcaster, type UiNamespace } from './ui/ui.broadcast.js';
import { registerUiNamespace } from './ui/ui.handlers.js';
import { createUiRequests } from './ui/ui.requests.js';
import { createBootstrapService } from './bootstrap/bootstrap.service.js';
import { tokenIssuer } from './bootstrap/enrolment.js';
import { createDisposableStore, every } from './util/disposables.js';
import { createRetention, type PruneReport } from './history/retention.js';
import { createFailureLimiter, limitHttp, limitNamespaceAuth } from './util/rate-limit.js';
import { createConnectionGuard, type ConnectionLimits } from './util/connection-guard.js';
import { createStorageGuard } from './util/storage.js';
import { loadOrCreateSecret } from './util/secrets.js';
import { SERVER_VERSION } from './version.js';

export type ServerOptions = Readonly<{
  dataDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Agents heartbeat this often; one expires after 3 intervals without one. Default 10 000. */
  heartbeatIntervalMs?: number;
  /** Default: the built-in components. */
  components?: readonly Component[];
  /**
   * User components: `*.js`/`*.mjs` modules (default DATA_DIR/components/), re-scanned before each
   * submission and shipped to agents by content hash.
   */
  componentsDir?: string;
  /**
   * Imports a user component module by file URL (`server/components/import-module.ts`); without
   * it user components are off. Kept out of this module so bundles that must not load code at
   * run time (the desktop shell) do not contain a dynamic import.
   */
  importModule?: (url: string) => Promise<unknown>;
  /** How often unreferenced blobs older than an hour are deleted (also after jobs:purge). Default 10 min. */
  blobGcIntervalMs?: number;
  /** Stored output per (job, target, stream); default LIMITS.defaultOutputCapBytes. Agents are told it in their welcome. */
  outputCapBytes?: number;
  /** Settled runs created more than this many days ago are pruned (default: kept). */
  retentionDays?: number;
  /** While the database uses more than this many bytes, the oldest settled runs are pruned (default: no limit). */
  retentionMaxBytes?: number;
  /** How often retention runs (first pass a second after start). Default 10 min. */
  retentionIntervalMs?: number;
  /** Failed authentication per remote address (`/agent`, `/ui`, HTTP); `false` turns the limit off. */
  authRateLimit?: false | Readonly<{ burst?: number; refillPerSecond?: number; logWindowMs?: number }>;
  /** Socket.IO connections that may wait to authenticate, per address and in all (util/connection-guard.ts). */
  connectionLimits?: ConnectionLimits;
  /** The built console (index.html and assets), served at `/` behind the token. */
  staticDir?: string;
  log?: Logger;
  clock?: () => number;
  /** better_sqlite3.node built for the host runtime (Electron's ABI); default: the package's own. */
  sqliteNativeBinding?: string;
  /**
   * TLS on the one listener (Socket.IO and the console): `auto` (default) = on unless the host is
   * loopback; `on` forces it (tests on 127.0.0.1). The self-signed certificate is DATA_DIR/tls.crt
   * (key tls.key, 0600), generated on first start.
   */
  tls?: TlsMode;
  /**
   * The one-file agent (dist/directord-agent.cjs) that the console's "Add hosts" installs over SSH;
   * without it `hosts:bootstrap` answers not-found.
   */
  agentBundle?: string;
}>;

export type DirectordServer = Readonly<{
  url: string;
  port: number;
  /** The console's token (DATA_DIR/ui.token): the console URL and `/ui`. */
  uiToken: string;
  /** The CLI's token (DATA_DIR/cli.token): `/ui` and `POST /api/ui/<event>`. */
  cliToken: string;
  /** The local agents' key (DATA_DIR/agent.key), accepted over loopback only. */
  agentKey: string;
  /** SHA-256 fingerprint of the TLS certificate; undefined when the server speaks plain HTTP. */
  fingerprint: string | undefined;
  /** Enrolment tokens and agent credentials (SSH bootstrap issues tokens with `create`). */
  enrolment: EnrolmentService;
  dataDir: string;
  dbPath: string;
  /** Runs a retention pass now (no-op without retention options). */
  pruneHistory(): Promise<PruneReport>;
  close(): Promise<void>;
}>;

export { SERVER_VERSION } from './version.js';

export async function createServer(options: ServerOptions): Promise<DirectordServer> {
  const log = options.log ?? createLogger('directord:server', (line) => process.stderr.write(line));
  const clock = options.clock ?? Date.now;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
  const agentKey = loadOrCreateSecret(join(dataDir, 'agent.key'));
  const uiToken = loadOrCreateSecret(join(dataDir, 'ui.token'));
  const cliToken = loadOrCreateSecret(join(dataDir, 'cli.token'));
  const uiAccess = createUiAccess({ consoleToken: uiToken, cliToken });
  const tls = tlsEnabled(options.tls ?? 'auto', host) ? await loadOrCreateTlsIdentity(dataDir, host) : null;
  const fingerprint = tls?.fingerprint;
  const dbPath = join(dataDir, 'directord.db');
  const serverJson = join(dataDir, 'server.json');
  const startedAt = clock();
  const store = createDisposableStore(log);

  const db = openDb(dbPath, options.sqliteNativeBinding);
  store.add(() => {
    db.close();
  });
  try {
    migrate(db, migrations, log.child('db'));
    const components = createRegistry(options.components ?? builtinComponents);
    const manifests = components.manifests();
    const userComponents = createUserComponents({
      dir: options.componentsDir ?? join(dataDir, 'components'),
      builtinVerbs: new Set(components.verbs()),
      log: log.child('components'),
      ...(options.importModule ? { importModule: options.importModule } : {}),
    });
    await userComponents.refresh();
    const blobStore = createBlobStore(join(dataDir, 'blobs'));
    const blobsRepo = createBlobsRepo(db);
    const libraryRepo = createLibraryRepo(db);
    // A blob stays while a job in the history or a saved orchestration lists it.
    const blobGc = createBlobGc({ dir: blobStore.dir, isReferenced: (sha) => blobsRepo.isReferenced(sha) || libraryRepo.listsBlob(sha), clock, log: log.child('blobs') });
    const lookup = (verb: string): Component | undefined =>
      components.get(verb) ?? components.get(verb.toUpperCase()) ?? userComponents.get(verb)?.component ?? userComponents.get(verb.toUpperCase())?.component;
    let onRequest = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503);
      res.end();
    };
    const httpServer = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => onRequest(req, res)) : createHttpServer((req, res) => onRequest(req, res));
    const connections = createConnectionGuard({ ...options.connectionLimits, clock, log: log.child('connections') });
    const io = new Server(httpServer, { maxHttpBufferSize: LIMITS.maxMessageBytes, serveClient: false, connectTimeout: 10_000, allowRequest: connections.allowRequest });
    const uiNs = io.of(UI_NAMESPACE) as unknown as UiNamespace;
    // Known once listening; bootstrap (which needs it) can only be asked after that.
    let serverUrl = '';
    const agentNs = io.of(AGENT_NAMESPACE) as unknown as AgentNamespace;
    connections.watch(io, [agentNs as unknown as Namespace, uiNs as unknown as Namespace]);
    // Before the namespaces register their authentication, so the limiter wraps it.
    const authLimiter = options.authRateLimit === false ? null : createFailureLimiter({ ...options.authRateLimit, clock, log: log.child('auth') });
    if (authLimiter) {
      limitNamespaceAuth(agentNs, authLimiter, AGENT_NAMESPACE);
      limitNamespaceAuth(uiNs, authLimiter, UI_NAMESPACE);
    }
    const storage = createStorageGuard(dataDir, log.child('storage'));
    const outputCapBytes = options.outputCapBytes ?? LIMITS.defaultOutputCapBytes;

    const broadcaster = createUiBroadcaster(uiNs);
    const awaiters = createAwaiters();
    const jobsRepo = createJobsRepo(db);
    const state = createJobsState({ repo: jobsRepo, observer: broadcaster, awaiters, clock, log: log.child('jobs') });
    state.load();
    const enrolment = createEnrolmentService({ repo: createEnrolmentRepo(db), clock, fingerprint: () => fingerprint, log: log.child('enrolment') });
    const registry = createAgentRegistry({
      isRevoked: enrolment.isRevoked,
      repo: createAgentsRepo(db),
      clock,
      heartbeatIntervalMs,
      log: log.child('agents'),
      onChange: broadcaster.agentUpdated,
      userComponent: (verb) => userComponents.get(verb),
    });
    const jobs = createJobsService({
      repo: jobsRepo,
      state,
      link: registry.link,
      clock,
      log: log.child('jobs'),
      heartbeatIntervalMs,
      components: {
        lookup,
        knownVerbs: () => [...components.verbs(), ...userComponents.verbs()].sort(),
        parse: parseJob,
      },
      hasBlob: (sha) => blobStore.has(sha),
      runUpdated: broadcaster.runUpdated,
      afterPurge: () => void blobGc.collect(),
      storage,
    });
    const query: QueryCoordinator = createQueryCoordinator({ state, link: registry.link, jobs: () => jobs, log: log.child('query') });
    state.hooks.final = (t, job) => {
      query.final(t, job);
      // Spec 1.8: after a REBOOT the node is inactive until it comes back, not lost.
      if (job?.dispatched.verb === 'REBOOT' && t.state === 'succeeded') registry.rebootStarted(t.target, Number(job.dispatched.args.time ?? 10) || 0);
    };
    const events = createEventsService({
      repo: jobsRepo,
      state,
      observer: broadcaster,
      outputCapBytes,
      log: log.child('events'),
      onOutput: query.output,
      storage,
    });
    const history = createHistoryService({ repo: createHistoryRepo(db), liveRun: jobs.liveRun });
    const library = createLibraryService({ repo: libraryRepo, clock, hasBlob: (sha) => blobStore.has(sha) });

    registerAgentNamespace({
      ns: agentNs,
      agentKey,
      enrolment,
      serverVersion: SERVER_VERSION,
      heartbeatIntervalMs,
      outputCapBytes,
      registry,
      jobs,
      events,
      blobs: { store: blobStore, repo: blobsRepo },
      log: log.child('agents'),
    });
    const bootstrap = createBootstrapService({
      dataDir,
      serverUrl: () => serverUrl,
      ...(options.agentBundle ? { agentBundle: options.agentBundle } : {}),
      // Each installed host enrols with its own single-use token (the shared agent key works
      // over loopback only, so remote hosts could never use it).
      issuer: tokenIssuer((r) => enrolment.create(r), (id) => enrolment.revokeToken(id)),
      presence: (identity) => Promise.resolve(registry.get(identity)),
      emitProgress: (event) => void uiNs.emit('bootstrap:progress', event),
      emitFinished: (event) => void uiNs.emit('bootstrap:finished', event),
      log: log.child('bootstrap'),
      clock,
    });
    const uiRequests = createUiRequests({
      log: log.child('ui'),
      agents: registry,
      jobs,
      history,
      awaiters,
      library,
      serverInfo: () => ({ version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, dataDir, startedAt, components: [...manifests, ...userComponents.manifests()], ...(fingerprint ? { fingerprint } : {}) }),
      access: { enrolment, revokeAgent: createAgentRevoker(enrolment, { isKnown: (identity) => registry.get(identity) !== undefined, revoke: registry.revoke }) },
      blobs: blobStore,
      refreshComponents: () => userComponents.refresh(),
      bootstrap,
      clock,
    });
    registerUiNamespace({ ns: uiNs, access: uiAccess, log: log.child('ui'), requests: uiRequests });
    const uiApi = createUiApi({
      requests: uiRequests,
      // The role check names the caller; `X-Directord-Client` may only narrow it within the CLI role.
      authenticate: (token, req) => uiAccess.authorize(token, 'http-api', [req.headers['x-directord-client']].flat()[0]),
      log: log.child('ui-api'),
    });
    onRequest = createHttpHandler({ uiToken, access: uiAccess, secure: tls !== null, staticDir: options.staticDir, serverVersion: SERVER_VERSION, startedAt, clock, agents: () => registry.list(), log: log.child('http'), uiApi });

    if (authLimiter) onRequest = limitHttp(onRequest, authLimiter);
    const retention = createRetention({ db, options, clock, log: log.child('retention') });
    if (retention.enabled) {
      store.add(every(options.retentionIntervalMs ?? 10 * 60_000, () => void retention.prune()));
      const first = setTimeout(() => void retention.prune(), 1000);
      first.unref();
      store.add(() => clearTimeout(first));
    }
    store.add(() => retention.close());
    store.add(() => jobs.dispose());
    store.add(() => registry.dispose());
    store.add(every(heartbeatIntervalMs, () => {
      for (const identity of registry.sweep()) jobs.agentExpired(identity);
    }));
    store.add(every(options.blobGcIntervalMs ?? 10 * 60_000, () => void blobGc.collect()));
    store.add(() => broadcaster.dispose());
    store.add(
      () =>
        new Promise<void>((resolve) => {
          void io.close(() => resolve());
          httpServer.closeAllConnections();
        }),
    );
    store.add(async () => {
      // Open `jobs:await` requests answer with what is known while sockets are still up.
      awaiters.dispose();
      await new Promise((r) => setImmediate(r));
      broadcaster.flush();
    });
    store.add(() => registry.goodbyeAll('server shutting down'));
    // First to go on close: aborting closes the SSH connections of hosts still being installed.
    store.add(() => bootstrap.dispose());

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? 0, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const port = (httpServer.address() as AddressInfo).port;
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    serverUrl = url;
    writeFileSync(serverJson + '.tmp', JSON.stringify({ url, port, pid: process.pid, startedAt, ...(fingerprint ? { fingerprint } : {}) }, null, 2) + '\n', { mode: 0o600 });
    renameSync(serverJson + '.tmp', serverJson);
    store.add(() => rmSync(serverJson, { force: true }));
    log.info('server listening', { url, dataDir, version: SERVER_VERSION, ...(fingerprint ? { fingerprint } : {}) });
    if (fingerprint) log.info(`TLS certificate SHA-256 fingerprint: ${fingerprint} (agents pin it when they enrol)`);

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      uiToken,
      cliToken,
      agentKey,
      fingerprint,
      enrolment,
      dataDir,
      dbPath,
      pruneHistory: () => retention.prune(),
      close: () =>
        (closing ??= store.dispose().then(() => {
          log.info('server stopped');
        })),
    };
  } catch (error) {
    await store.dispose();
    throw error;
  }
}
