/**
 * The composition root: `createServer(options)` opens the data dir and database, wires every
 * feature, listens, and returns a handle whose `close()` stops everything it started.
 * Never imports electron, agent/ or cli/ (the desktop shell and the CLI both call this).
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { builtinComponents } from '../components/builtin/index.js';
import type { Component } from '../components/define.js';
import { parseJob } from '../components/parse.js';
import { createRegistry } from '../components/registry.js';
import { AGENT_NAMESPACE, type AgentSocketData, type AgentToServerEvents, type ServerToAgentEvents } from '../protocol/agent-events.js';
import { createLogger, type Logger } from '../protocol/log.js';
import { UI_NAMESPACE, type ServerToUiEvents, type UiSocketData, type UiToServerEvents } from '../protocol/ui-events.js';
import { LIMITS, PROTOCOL_VERSION } from '../protocol/version.js';
import { registerAgentNamespace, type AgentNamespace } from './agents/agents.handlers.js';
import { createBlobGc } from './blobs/blobs.gc.js';
import { createBlobStore } from './blobs/blobs.store.js';
import { createUserComponents } from './components/user-components.js';
import { createQueryCoordinator, type QueryCoordinator } from './jobs/query.service.js';
import { createAgentRegistry } from './agents/agents.service.js';
import { createUiAccess } from './auth/roles.js';
import { createAuditLog } from './audit/audit.service.js';
import { createAuthRoutes } from './auth/auth.routes.js';
import { guardRequests } from './auth/guard.js';
import { createPrincipals } from './auth/principals.js';
import { scopedJobs } from './auth/scoped-jobs.js';
import { runScopeCheck } from './auth/scoped-runs.js';
import { createTeams } from './auth/teams.service.js';
import { teamsRequests } from './auth/teams.requests.js';
import { loadOidcConfig } from './auth/oidc-config.js';
import { createOidcRoutes, OIDC_CALLBACK } from './auth/oidc.js';
import { inventoryRequests } from './inventory/inventory.requests.js';
import type { SecretsKey } from './secrets/seal.js';
import { fileKeyProvider, type SecretsKeyProvider } from './secrets/key-provider.js';
import { createSecretsService } from './secrets/secrets.service.js';
import { maskedLogger } from './secrets/masked-log.js';
import { createEnrolmentService, type EnrolmentService } from './enrolment/enrolment.service.js';
import { createAgentRevoker } from './enrolment/revoke-agent.js';
import { loadOrCreateTlsIdentity, tlsEnabled, type TlsMode } from './tls/certificate.js';
import { openSqliteStore } from './store/sqlite/index.js';
import { createHistoryService } from './history/history.service.js';
import { createHttpHandler } from './http/http.handlers.js';
import { createUiApi } from './http/ui-api.js';
import { createAwaiters } from './jobs/awaiters.js';
import { createEventsService } from './jobs/events.service.js';
import { createJobsService } from './jobs/jobs.service.js';
import { createInventoryService, type InventoryService } from './inventory/inventory.service.js';
import { resolveSubmissionTargets } from './inventory/targets.js';
import { inventoryVarsOf } from '../protocol/inventory/vars.js';
import { createJobsState, type JobsObserver } from './jobs/jobs.state.js';
import type { RunSummary } from '../protocol/records.js';
import type { FireRecord } from './schedules/scheduler.js';
import type { RunEvent } from '../protocol/automation.js';
import { createRollouts } from './rollouts/rollouts.service.js';
import { planRun } from './rollouts/plan.service.js';
import { rebootPolicy } from './jobs/reboot.policy.js';
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
import { watchedSecret } from './auth/console-sessions.js';
import { endSocketsOnRotation } from './auth/console-sockets.js';
import { createBrowserGate, gateListener } from './http/browser-gate.js';
import { refuseBrowsers, refuseForeignOrigins } from './http/socket-origin.js';
import { SERVER_VERSION } from './version.js';
import { serverFilePath, serverFileText } from '../protocol/server-file.js';
import { createRunEventHook } from './notify/run-events.js';
import { createScheduler } from './schedules/scheduler.js';
import { createSchedulesService } from './schedules/schedules.service.js';
import { automationExportRequests, scheduleRequests } from './schedules/schedules.requests.js';
import { createAutomationExport } from './schedules/automation-export.js';
import { createNotifyService, type NotifyOptions } from './notify/notify.service.js';
import { notifyRequests } from './notify/notify.requests.js';
import { createTriggersService, type TriggerLimits } from './triggers/triggers.service.js';
import { triggerRequests } from './triggers/triggers.requests.js';
import { writeFileAtomic } from './util/atomic-file.js';

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
  /** Each released rollout wave, with the time since the previous wave's last result (the bench's `rollout_wave_gap_ms`). */
  onRolloutWave?: (event: Readonly<{ runId: string; entry: number; wave: number; gapMs: number | null }>) => void;
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
  /**
   * Origins besides the server's own (its scheme and port with any of its names) whose pages may
   * use the console, e.g. `https://console.example.com` of a TLS-terminating proxy (issue #12).
   */
  allowedOrigins?: readonly string[];
  /** Names besides the server's own (listen host, localhost, 127.0.0.1, ::1, hostname, addresses) a request's `Host` may carry. */
  allowedHosts?: readonly string[];
  /** The key secrets are sealed with; default: from `secretsKeyProvider`. */
  secretsKey?: SecretsKey;
  /**
   * Where that key comes from (server/secrets/key-provider.ts): default DATA_DIR/secrets.key; the
   * desktop app keeps it wrapped with Electron's safeStorage. A provider that throws stops the start.
   */
  secretsKeyProvider?: SecretsKeyProvider;
  /**
   * Single sign-on settings (issue #18, server/auth/oidc-config.ts): this file, else
   * DATA_DIR/oidc.json when it exists; a file that does not check stops the server naming the field.
   */
  oidcConfig?: string;
  /** A user's browser session ends after this long unused (default 30 min; issue #18). */
  sessionIdleMs?: number;
  /** … and this long after sign-in whatever happens (default 12 h). */
  sessionMaxMs?: number;
  /** A console token for this process only (the desktop app's window), accepted like ui.token and never written anywhere. */
  launchToken?: string;
  /** Schedules (issue #19): `timers: false` leaves firing to `DirectordServer.schedulerTick()` (tests with a fake clock); `onFire` sees each fire. */
  /** Notification deliveries: SMTP settings for email, retry delays, attempt timeout. */
  notify?: NotifyOptions;
  /** Sees every run event (started, succeeded, failed…) after its turn committed: the desktop shell's OS notifications. */
  onRunEvent?: (event: RunEvent, run: RunSummary) => void;
  /** Accepted `POST /hooks/<id>` requests per trigger (default burst 10, 30 a minute). */
  triggerLimits?: TriggerLimits;
  scheduler?: Readonly<{ timers?: boolean; onFire?: (record: FireRecord) => void; clock?: () => number }>;
}>;

export type DirectordServer = Readonly<{
  url: string;
  port: number;
  /** The console's token (DATA_DIR/ui.token, as it is now: `manage --rotate-console-token` changes it): the console URL and `/ui`. */
  readonly uiToken: string;
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
  /** Evaluates every schedule at the clock's time now (what the scheduler's timer does). */
  schedulerTick(): Promise<void>;
  close(): Promise<void>;
}>;

export { SERVER_VERSION } from './version.js';

export async function createServer(options: ServerOptions): Promise<DirectordServer> {
  // Every log line is masked with the current secret values (issue #18); the mask is set once they are loaded.
  let logMask: () => ((text: string) => string) | null = () => null;
  const log = maskedLogger(options.log ?? createLogger('directord:server', (line) => process.stderr.write(line)), () => logMask());
  const clock = options.clock ?? Date.now;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
  // One key for everything sealed at rest: secrets, notification signing keys, trigger HMAC keys. First,
  // so a key that cannot be had (a wrapped key that does not unwrap) stops the start before anything runs.
  const secretsKey = options.secretsKey ?? (await (options.secretsKeyProvider ?? fileKeyProvider)(dataDir));
  const agentKey = loadOrCreateSecret(join(dataDir, 'agent.key'));
  const uiTokenPath = join(dataDir, 'ui.token');
  const uiToken = watchedSecret(uiTokenPath, loadOrCreateSecret(uiTokenPath));
  const cliToken = loadOrCreateSecret(join(dataDir, 'cli.token'));
  const uiAccess = createUiAccess({
    consoleToken: uiToken,
    cliToken,
    ...(options.launchToken ? { launchToken: options.launchToken } : {}),
  });
  const tls = tlsEnabled(options.tls ?? 'auto', host) ? await loadOrCreateTlsIdentity(dataDir, host) : null;
  const fingerprint = tls?.fingerprint;
  // Single sign-on settings are checked before anything starts: a typo stops the server naming the field.
  const oidcPath = options.oidcConfig ?? join(dataDir, 'oidc.json');
  const oidc = options.oidcConfig !== undefined || existsSync(oidcPath) ? loadOidcConfig(oidcPath) : null;
  // `invalid-config`: the CLI shows the message alone, not as an internal error.
  if (oidc && !oidc.ok) throw Object.assign(new Error(`single sign-on: ${oidc.error.message}`), { code: 'invalid-config' });
  const dbPath = join(dataDir, 'directord.db');
  const serverJson = serverFilePath(dataDir);
  const startedAt = clock();
  const store = createDisposableStore(log);

  const db = openSqliteStore({
    path: dbPath,
    ...(options.sqliteNativeBinding ? { nativeBinding: options.sqliteNativeBinding } : {}),
    log: log.child('db'),
  });
  store.add(() => db.close());
  try {
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
    // A blob stays while a job in the history or a saved orchestration lists it.
    const blobGc = createBlobGc({
      dir: blobStore.dir,
      isReferenced: async (sha) => (await db.blobs.isReferenced(sha)) || (await db.library.listsBlob(sha)),
      clock,
      log: log.child('blobs'),
    });
    const lookup = (verb: string): Component | undefined =>
      components.get(verb) ??
      components.get(verb.toUpperCase()) ??
      userComponents.get(verb)?.component ??
      userComponents.get(verb.toUpperCase())?.component;
    let onRequest = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503);
      res.end();
    };
    const httpServer = tls
      ? createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => onRequest(req, res))
      : createHttpServer((req, res) => onRequest(req, res));
    const connections = createConnectionGuard({ ...options.connectionLimits, clock, log: log.child('connections') });
    // One server, two namespaces with their own event maps: typed with both maps, so each namespace is
    // its own map's view of `io.of()` without a cast (server/wire.types.test.ts checks they stay apart).
    const io = new Server<
      UiToServerEvents & AgentToServerEvents,
      ServerToUiEvents & ServerToAgentEvents,
      Record<string, never>,
      UiSocketData & AgentSocketData
    >(httpServer, {
      maxHttpBufferSize: LIMITS.maxMessageBytes,
      serveClient: false,
      connectTimeout: 10_000,
      allowRequest: connections.allowRequest,
    });
    const uiNs: UiNamespace = io.of(UI_NAMESPACE);
    // Known once listening; bootstrap (which needs it) can only be asked after that.
    let serverUrl = '';
    const agentNs: AgentNamespace = io.of(AGENT_NAMESPACE);
    connections.watch(io, [agentNs, uiNs]);
    // Before the namespaces register their authentication, so the limiter wraps it.
    const authLimiter =
      options.authRateLimit === false ? null : createFailureLimiter({ ...options.authRateLimit, clock, log: log.child('auth') });
    if (authLimiter) {
      limitNamespaceAuth(agentNs, authLimiter, AGENT_NAMESPACE);
      limitNamespaceAuth(uiNs, authLimiter, UI_NAMESPACE);
    }
    // Host and Origin before any handler, page or transport (issue #12: the browser is hostile).
    const gate = createBrowserGate({
      scheme: tls ? 'https' : 'http',
      listenHost: host,
      allowedOrigins: options.allowedOrigins ?? [],
      allowedHosts: options.allowedHosts ?? [],
      limiter: authLimiter,
      log: log.child('browser-gate'),
      clock,
      // The OpenID provider sends the browser back here from its own site.
      ...(oidc ? { crossSiteNavigations: [OIDC_CALLBACK] } : {}),
    });
    gateListener(httpServer, gate);
    refuseBrowsers(agentNs);
    refuseForeignOrigins(uiNs, gate);
    const storage = createStorageGuard(dataDir, log.child('storage'));
    const outputCapBytes = options.outputCapBytes ?? LIMITS.defaultOutputCapBytes;

    const broadcaster = createUiBroadcaster(uiNs);
    // Run summaries also feed run events (notifications, schedules waiting on a run: issue #19).
    const runEvents = createRunEventHook(log.child('run-events'));
    const awaiters = createAwaiters();
    // Rollouts (issue #17) see every run summary first: a waiting one is `halted` / `awaiting-approval`.
    // A retry submits as the operator who asked for it: through their scope (scoped-jobs.ts).
    const rollouts = createRollouts({
      store: db,
      clock,
      log: log.child('rollouts'),
      jobs: () => scoped,
      changed: (runId) => {
        const run = jobs.liveRun(runId);
        if (!run) return;
        const shown = rollouts.overlay(run);
        broadcaster.runUpdated(shown);
        runEvents.runUpdated(shown);
      },
      ...(options.onRolloutWave ? { onWaveReleased: options.onRolloutWave } : {}),
    });
    const runUpdated = (run: RunSummary) => {
      if (run.status !== 'running') rollouts.settled(run.runId);
      const shown = rollouts.overlay(run);
      broadcaster.runUpdated(shown);
      runEvents.runUpdated(shown);
    };
    // When a target last changed: history pruning gives way while jobs move (retention.ts).
    let jobsMovedAt = -Infinity;
    const observer: JobsObserver = {
      targetsUpdated: (updates) => {
        jobsMovedAt = performance.now();
        broadcaster.targetsUpdated(updates);
      },
      outputAppended: broadcaster.outputAppended,
      wantsOutput: broadcaster.wantsOutput,
      runUpdated,
    };
    const state = createJobsState({ store: db, observer, awaiters, clock, log: log.child('jobs') });
    await state.load();
    state.onFinal(rollouts.final);
    await rollouts.load();
    const enrolment = await createEnrolmentService({ store: db, clock, fingerprint: () => fingerprint, log: log.child('enrolment') });
    await db.agents.markAllOffline();
    // Created after the registry (it lists the agents); the registry's change hook drops its cache.
    const late: { inventory?: InventoryService } = {};
    const registry = createAgentRegistry({
      isRevoked: enrolment.isRevoked,
      repo: db.agents,
      known: await db.agents.all(),
      clock,
      heartbeatIntervalMs,
      log: log.child('agents'),
      onChange: (agent) => {
        late.inventory?.invalidate();
        broadcaster.agentUpdated(agent);
      },
      userComponent: (verb) => userComponents.get(verb),
    });
    const inventory = (late.inventory = await createInventoryService({
      store: db,
      agents: () => registry.list(),
      clock,
      log: log.child('inventory'),
      changed: (changes) => void uiNs.emit('inventory:changed', changes),
    }));
    // Secrets (issue #18): versions in the job SHA at submit, values for the agents at dispatch, masking of what agents report.
    const secrets = createSecretsService({ store: db.secrets, key: secretsKey, clock });
    await secrets.load();
    logMask = () => (secrets.active() ? secrets.mask : null);
    const jobs = createJobsService({
      resolveTargets: (submission) => resolveSubmissionTargets(submission, inventory.index()),
      inventoryVarsOf: (identity) => inventoryVarsOf(inventory.index(), identity),
      store: db,
      nextSeq: await db.jobs.nextSeq(),
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
      runUpdated,
      rollouts,
      afterPurge: () => void blobGc.collect(),
      storage,
      secrets,
    });
    const scoped = scopedJobs(jobs, inventory.index);
    const query: QueryCoordinator = createQueryCoordinator({ state, link: registry.link, jobs: () => jobs, log: log.child('query') });
    state.onFinal(query.final);
    state.onFinal(rebootPolicy(registry));
    const events = createEventsService({
      state,
      observer: broadcaster,
      outputCapBytes,
      log: log.child('events'),
      onOutput: query.output,
      storage,
      mask: secrets.mask,
    });
    const history = createHistoryService({
      repo: db.history,
      liveRun: (runId) => {
        const run = jobs.liveRun(runId);
        return run && rollouts.overlay(run);
      },
    });
    const notify = createNotifyService({
      store: db,
      key: secretsKey,
      clock,
      log: log.child('notify'),
      ...(options.notify ? { options: options.notify } : {}),
    });
    const scheduleClock = options.scheduler?.clock ?? clock;
    const scheduler = createScheduler({
      store: db,
      clock: scheduleClock,
      log: log.child('schedules'),
      submit: async (submission, requestedBy, within) => {
        await userComponents.refresh();
        return jobs.submit(submission, requestedBy, { within });
      },
      isOpen: (runId) => jobs.liveRun(runId) !== undefined,
      lookup,
      ...(options.scheduler?.timers === false ? { timers: false } : {}),
      ...(options.scheduler?.onFire ? { onFire: options.scheduler.onFire } : {}),
      notStarted: (notice) => void notify.notStarted(notice),
    });
    runEvents.listen((_event, run) => {
      if (run.finishedAt !== null) scheduler.runSettled(run.runId);
    });
    const schedules = createSchedulesService({ store: db, scheduler, clock: scheduleClock });
    runEvents.listen((event, run) => notify.runEvent(event, run));
    if (options.onRunEvent) runEvents.listen(options.onRunEvent);
    const audit = createAuditLog({ store: db.audit, clock, log: log.child('audit'), mask: secrets.mask });
    const triggers = createTriggersService({
      key: secretsKey,
      audit,
      store: db,
      clock,
      log: log.child('triggers'),
      submit: async (submission, requestedBy) => {
        await userComponents.refresh();
        return jobs.submit(submission, requestedBy);
      },
      lookup,
      ...(options.triggerLimits ? { limits: options.triggerLimits } : {}),
      notStarted: (notice) => void notify.notStarted(notice),
    });
    const library = createLibraryService({ repo: db.library, clock, hasBlob: (sha) => blobStore.has(sha) });

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
      blobs: { store: blobStore, repo: db.blobs },
      log: log.child('agents'),
    });
    const bootstrap = createBootstrapService({
      dataDir,
      serverUrl: () => serverUrl,
      ...(options.agentBundle ? { agentBundle: options.agentBundle } : {}),
      // Each installed host enrols with its own single-use token (the shared agent key works
      // over loopback only, so remote hosts could never use it).
      issuer: tokenIssuer(
        (r) => enrolment.create(r),
        (id) => enrolment.revokeToken(id),
      ),
      presence: (identity) => Promise.resolve(registry.get(identity)),
      emitProgress: (event) => void uiNs.emit('bootstrap:progress', event),
      emitFinished: (event) => void uiNs.emit('bootstrap:finished', event),
      log: log.child('bootstrap'),
      clock,
    });
    // Teams (issue #18): users, sessions and API tokens; the audit log; roles checked around every request.
    const teams = await createTeams({
      store: db.users,
      clock,
      log: log.child('teams'),
      ...(options.sessionIdleMs ? { sessionIdleMs: options.sessionIdleMs } : {}),
      ...(options.sessionMaxMs ? { sessionMaxMs: options.sessionMaxMs } : {}),
    });
    const principals = createPrincipals(uiAccess, teams);
    const requestTable = createUiRequests({
      log: log.child('ui'),
      agents: registry,
      jobs: scoped,
      history,
      awaiters,
      library,
      rollouts,
      plan: (submission) => planRun(submission, { preview: jobs.preview, link: registry.link, lookup, clock }),
      serverInfo: () => ({
        version: SERVER_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        dataDir,
        startedAt,
        components: [...manifests, ...userComponents.manifests()],
        ...(fingerprint ? { fingerprint } : {}),
      }),
      access: {
        enrolment,
        revokeAgent: createAgentRevoker(enrolment, {
          isKnown: (identity) => registry.get(identity) !== undefined,
          revoke: registry.revoke,
        }),
      },
      blobs: blobStore,
      refreshComponents: () => userComponents.refresh(),
      bootstrap,
      clock,
      extensions: [
        inventoryRequests(inventory),
        teamsRequests({ teams, audit, secrets }),
        scheduleRequests(schedules),
        notifyRequests(notify),
        triggerRequests(triggers),
        automationExportRequests(createAutomationExport({ store: db, schedules, notify, triggers })),
      ],
    });
    const uiRequests = guardRequests(requestTable, {
      audit,
      log: log.child('roles'),
      runScope: runScopeCheck({
        inventory: inventory.index,
        runHosts: async (runId) => {
          const live = jobs.liveRun(runId);
          if (live) return live.targets;
          const stored = await history.getRun(runId);
          return stored.ok ? stored.value.targets : null;
        },
      }),
    });
    registerUiNamespace({ ns: uiNs, access: uiAccess, log: log.child('ui'), requests: uiRequests, identify: principals.socket });
    store.add(
      endSocketsOnRotation({
        ns: uiNs,
        consoleToken: uiToken,
        // No token in `auth`: the session cookie; else ui.token itself (not the CLI's, not the launch secret).
        dependsOnConsoleToken: (auth) => {
          const token = (auth as { token?: unknown } | null)?.token;
          return typeof token !== 'string' || (token !== options.launchToken && uiAccess.roleOf(token) === 'console');
        },
        log: log.child('ui'),
      }),
    );
    const uiApi = createUiApi({
      requests: uiRequests,
      // The role check names the caller; `X-Directord-Client` may only narrow it within the CLI role.
      authenticate: (token, req) => {
        const who = principals.bearer(token, 'http-api', [req.headers['x-directord-client']].flat()[0]);
        return who.ok ? { ok: true, value: { ...who.value, address: req.socket.remoteAddress ?? '' } } : who;
      },
      log: log.child('ui-api'),
    });
    const consoleHttp = createHttpHandler({
      uiToken: uiToken(),
      access: uiAccess,
      secure: tls !== null,
      staticDir: options.staticDir,
      serverVersion: SERVER_VERSION,
      startedAt,
      clock,
      agents: () => registry.list(),
      log: log.child('http'),
      uiApi,
      authRoutes: createAuthRoutes({
        teams,
        principals,
        audit,
        secure: tls !== null,
        log: log.child('auth'),
        ...(oidc
          ? { sso: createOidcRoutes({ config: oidc.value, teams, audit, secure: tls !== null, log: log.child('sso'), clock }) }
          : {}),
      }),
      userSession: (req) => principals.cookie(req.headers.cookie)?.session != null,
    });
    // `POST /hooks/<id>` (CI systems) answers with its own secret before the console's handler: no cookie or token of the console opens it.
    onRequest = (req, res) => {
      if (!triggers.http(req, res)) consoleHttp(req, res);
    };

    if (authLimiter) onRequest = limitHttp(onRequest, authLimiter);
    const retention = createRetention({
      store: db.retention,
      options,
      clock,
      log: log.child('retention'),
      deleted: (runId) => state.forgetRuns(new Set([runId])),
      busy: () => performance.now() - jobsMovedAt < 50,
    });
    if (retention.enabled) {
      store.add(every(options.retentionIntervalMs ?? 10 * 60_000, () => void retention.prune()));
      const first = setTimeout(() => void retention.prune(), 1000);
      first.unref();
      store.add(() => clearTimeout(first));
    }
    store.add(() => retention.close());
    store.add(() => scheduler.close());
    store.add(() => notify.close());
    store.add(() => jobs.dispose());
    store.add(() => rollouts.dispose());
    store.add(() => registry.dispose());
    store.add(
      every(heartbeatIntervalMs, () => {
        for (const identity of registry.sweep()) jobs.agentExpired(identity);
      }),
    );
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
    gate.listening(port);
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    serverUrl = url;
    writeFileAtomic(serverJson, serverFileText({ url, port, pid: process.pid, startedAt, ...(fingerprint ? { fingerprint } : {}) }));
    store.add(() => rmSync(serverJson, { force: true }));
    // Fire times missed while the server was down are handled now (misfire policy), then on time.
    void scheduler.tick();
    log.info('server listening', { url, dataDir, version: SERVER_VERSION, ...(fingerprint ? { fingerprint } : {}) });
    if (fingerprint) log.info(`TLS certificate SHA-256 fingerprint: ${fingerprint} (agents pin it when they enrol)`);

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      get uiToken() {
        return uiToken();
      },
      cliToken,
      agentKey,
      fingerprint,
      enrolment,
      dataDir,
      dbPath,
      pruneHistory: () => retention.prune(),
      schedulerTick: () => scheduler.tick(),
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
