/**
 * The console's "Add hosts": `/ui hosts:bootstrap` starts a bootstrap job in the server (its SSH
 * client, its key file or ssh-agent) and streams `bootstrap:progress` / `bootstrap:finished` to
 * every console. Host keys are checked against DATA_DIR/known_hosts (accept-new by default).
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  BootstrapRequestSchema,
  parseSshAddress,
  type BootstrapFinished,
  type BootstrapProgress,
  type BootstrapStarted,
} from '../../protocol/bootstrap.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { EnrolmentIssuer } from './enrolment.js';
import { checkHosts, runBootstrap, type BootstrapHost } from './engine.js';
import { BootstrapError } from './failures.js';
import { DEFAULT_PREFIX, type AgentPresence, type StartMode } from './install-agent.js';

const requestValidator = compileValidator(BootstrapRequestSchema);

export type BootstrapServiceDeps = Readonly<{
  dataDir: string;
  /** The URL agents connect to when the request names none. */
  serverUrl: () => string;
  /** dist/directord-agent.cjs; without it the console cannot install agents. */
  agentBundle?: string;
  issuer: EnrolmentIssuer;
  presence: AgentPresence;
  emitProgress: (event: BootstrapProgress) => void;
  emitFinished: (event: BootstrapFinished) => void;
  log: Logger;
  /** SSH_AUTH_SOCK for "use ssh-agent" (default: the server's environment). */
  agentSocket?: string;
  start?: StartMode;
  onlineTimeoutMs?: number;
  clock?: () => number;
}>;

export type BootstrapService = Readonly<{
  start(payload: unknown): Result<BootstrapStarted>;
  /** Aborts running bootstraps (their hosts are cleaned up as far as the connection allows) and waits for them. */
  dispose(): Promise<void>;
}>;

export function createBootstrapService(deps: BootstrapServiceDeps): BootstrapService {
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  const knownHosts = join(deps.dataDir, 'known_hosts');

  function hostsOf(addresses: readonly string[], user: string): Result<BootstrapHost[]> {
    const hosts: BootstrapHost[] = [];
    for (const [i, raw] of addresses.entries()) {
      const parsed = parseSshAddress(raw);
      if (!parsed.ok) return fail('invalid-payload', `hosts[${i}]: ${parsed.message}`, { location: { field: `hosts.${i}` } });
      const a = parsed.value;
      hosts.push({
        label: raw.trim(),
        endpoint: { host: a.host, port: a.port ?? 22, username: a.user ?? user },
        identity: a.name ?? a.host,
        jobs: [],
        vars: {},
        installAgent: true,
      });
    }
    return ok(hosts);
  }

  return {
    start(payload) {
      const request = requestValidator.parse(payload, 'hosts:bootstrap');
      if (!request.ok) return request;
      const r = request.value;
      if (!deps.agentBundle || !existsSync(deps.agentBundle))
        return fail(
          'not-found',
          `the agent bundle ${deps.agentBundle ?? 'dist/directord-agent.cjs'} is missing: build it with \`npm run build:agent\``,
        );
      const agentSocket = deps.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (r.auth.kind === 'agent' && !agentSocket)
        return fail('invalid-payload', 'the server has no ssh-agent (SSH_AUTH_SOCK is not set where it runs): give a key file instead', {
          location: { field: 'auth' },
        });
      if (r.auth.kind === 'key' && !existsSync(r.auth.keyFile))
        return fail('not-found', `no key file ${r.auth.keyFile} on the server's machine`, { location: { field: 'auth.keyFile' } });
      const hosts = hostsOf(r.hosts, r.user ?? userInfo().username);
      if (!hosts.ok) return hosts;
      try {
        checkHosts(hosts.value);
      } catch (error) {
        return fail('invalid-payload', error instanceof BootstrapError ? error.message : String(error));
      }
      const bootstrapId = `bs-${randomBytes(6).toString('hex')}`;
      const clock = deps.clock ?? Date.now;
      deps.log.info('bootstrap started', { bootstrapId, hosts: r.hosts.length });
      const job = runBootstrap({
        serial: [],
        parallel: hosts.value,
        threads: 10,
        auth: r.auth.kind === 'key' ? { keyFiles: [r.auth.keyFile] } : { keyFiles: [], agentSocket: agentSocket as string },
        hostKeys: { file: knownHosts, policy: r.hostKeys ?? 'accept-new' },
        install: {
          bundle: deps.agentBundle,
          serverUrl: r.serverUrl ?? deps.serverUrl(),
          prefix: r.prefix ?? DEFAULT_PREFIX,
          start: deps.start ?? 'auto',
          onlineTimeoutMs: deps.onlineTimeoutMs ?? 60_000,
        },
        issuer: deps.issuer,
        presence: deps.presence,
        sourceDirs: [],
        onProgress: (event) => deps.emitProgress({ bootstrapId, ...event }),
        signal: abort.signal,
        clock,
      }).then(
        (results) => {
          deps.log.info('bootstrap finished', {
            bootstrapId,
            ok: results.filter((x) => x.ok).length,
            failed: results.filter((x) => !x.ok).length,
          });
          deps.emitFinished({ bootstrapId, results });
        },
        (error: unknown) => {
          deps.log.error('bootstrap crashed', { bootstrapId, error: error instanceof Error ? error.stack : String(error) });
          deps.emitFinished({
            bootstrapId,
            results: hosts.value.map((h) => ({
              host: h.label,
              identity: h.identity,
              ok: false,
              failure: { code: 'internal', message: String(error), hint: 'This is a bug: see the server log.' },
            })),
          });
        },
      );
      const tracked = job.finally(() => running.delete(tracked));
      running.add(tracked);
      return ok({ bootstrapId, hosts: hosts.value.map((h) => ({ host: h.label, identity: h.identity })) });
    },
    async dispose() {
      abort.abort();
      await Promise.all([...running]);
    },
  };
}
