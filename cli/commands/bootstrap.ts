/**
 * `directord bootstrap --catalog FILE… [--key-file FILE] [--threads N] [--server-url URL] …`
 * (spec 2.2, 2.3): runs the catalogs' RUN/ADD/GET jobs over SSH — server targets first, one at a
 * time, then the clients in parallel — and installs our agent on every client, which then shows
 * online in the server named by the data dir. Prints one line per step per host and a summary;
 * exits 1 when any host failed (the others still complete). `--replace`: a host whose name an earlier
 * agent still holds (its files were removed, the host reinstalled) has that agent revoked and is
 * installed again.
 */
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { BootstrapHostResult } from '../../protocol/bootstrap.js';
import type { AgentInfo } from '../../protocol/agents.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { connectUi, REQUEST_TIMEOUT_MS } from '../connection.js';
import { discoverServer } from '../discovery.js';
import { CliError, EXIT } from '../errors.js';
import { line } from '../output.js';
import { packageRoot } from '../paths.js';

export type BootstrapOptions = Readonly<{
  catalog: string[];
  keyFile?: string;
  threads: number;
  serverUrl?: string;
  prefix?: string;
  knownHosts?: string;
  strictHostKeys?: boolean;
  start: 'auto' | 'systemd' | 'nohup';
  onlineTimeout: number;
  /** A host whose name an earlier agent holds (name-taken): revoke that agent and install again. */
  replace?: boolean;
}>;

/** Directord's order (spec 2.3): --key-file, else the ssh-agent, else the usual default keys. */
export function sshAuth(
  keyFile: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): { keyFiles: string[]; agentSocket?: string } {
  if (keyFile) return { keyFiles: [resolve(keyFile)] };
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(home, '.ssh', n)).filter((f) => existsSync(f));
  return { keyFiles: defaults, ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}) };
}

function resultLine(r: BootstrapHostResult, clients: ReadonlySet<string>): string {
  return r.ok
    ? `  ok      ${r.host}${clients.has(r.host) ? ` (agent ${r.identity})` : ' (server target: jobs only)'}`
    : `  FAILED  ${r.host}: ${r.failure?.code}: ${r.failure?.message.split('\n')[0]}`;
}

export async function runBootstrap(options: BootstrapOptions, ctx: CliContext): Promise<number> {
  const { loadCatalogs, catalogHosts, engine, tokenIssuer, DEFAULT_PREFIX, BootstrapError } =
    await import('../../server/public-bootstrap.js');

  let catalog;
  try {
    catalog = loadCatalogs(options.catalog, userInfo().username);
  } catch (error) {
    if (error instanceof BootstrapError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  const { serial, parallel } = catalogHosts(catalog);
  try {
    engine.checkHosts([...serial, ...parallel]);
  } catch (error) {
    if (error instanceof BootstrapError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }

  // Agents need the server: its URL for them, its agent list to see them come online.
  const needsServer = parallel.length > 0;
  const dataDir = dataDirOf(ctx);
  const endpoint = needsServer ? discoverServer(dataDir) : null;
  const client = endpoint ? await connectUi(endpoint) : null;
  let bundle = '';
  if (needsServer) {
    bundle = join(packageRoot(), 'dist', 'directord-agent.cjs');
    if (!existsSync(bundle)) throw new CliError(`the agent bundle ${bundle} is missing: build it with \`npm run build:agent\``);
  }
  if (client) {
    // Fail before touching any host when the server cannot be asked (it must see the agents arrive).
    const r = await client.request('agents:list', REQUEST_TIMEOUT_MS);
    if (!r.ok) throw new CliError(`cannot list the server's agents: ${r.error.message}`);
  }
  const serverUrl = options.serverUrl ?? endpoint?.url ?? '';
  const knownHosts = resolve(options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts'));

  const presence = async (identity: string): Promise<AgentInfo | undefined> => {
    if (!client) return undefined;
    const r = await client.request('agents:list', REQUEST_TIMEOUT_MS);
    return r.ok ? r.value.find((a) => a.identity === identity) : undefined;
  };

  line(
    `Bootstrapping ${serial.length + parallel.length} host(s) from ${options.catalog.join(', ')}${needsServer ? `; agents connect to ${serverUrl}` : ''}`,
  );
  let results: BootstrapHostResult[];
  const run = (hosts: Readonly<{ serial: typeof serial; parallel: typeof parallel }>) =>
    engine.runBootstrap({
      ...hosts,
      threads: options.threads,
      auth: sshAuth(options.keyFile, ctx.env),
      hostKeys: { file: knownHosts, policy: options.strictHostKeys ? 'strict' : 'accept-new' },
      install: needsServer
        ? {
            bundle,
            serverUrl,
            prefix: options.prefix ?? DEFAULT_PREFIX,
            start: options.start,
            onlineTimeoutMs: options.onlineTimeout * 1000,
          }
        : null,
      // One single-use enrolment token per host, made by the server (the shared agent key works over loopback only).
      issuer: tokenIssuer(
        async (request) => {
          const r = client
            ? await client.request('enrolments:create', REQUEST_TIMEOUT_MS, {
                uses: request.uses,
                ttlMs: request.ttlMs,
                note: request.note,
              })
            : null;
          if (!r) throw new BootstrapError('internal', 'no server to ask for an enrolment token');
          if (!r.ok)
            throw new BootstrapError(
              'internal',
              `the server did not make an enrolment token: ${r.error.message}`,
              'Check that the server is running and DATA_DIR/cli.token is current, then bootstrap again.',
            );
          return r.value;
        },
        async (id) => client?.request('enrolments:revoke', REQUEST_TIMEOUT_MS, id),
      ),
      presence,
      sourceDirs: catalog.sourceDirs,
      onProgress: (e) => {
        if (e.state === 'failed') {
          line(`[${e.host}] ${e.step}: FAILED: ${e.message}`);
          if (e.failure) line(`[${e.host}] what to do: ${e.failure.hint}`);
        } else if (e.state === 'done' || ctx.debug || e.step === 'jobs') line(`[${e.host}] ${e.step}: ${e.message}`);
      },
    });
  try {
    results = await run({ serial, parallel });
    const taken = results.filter((r) => !r.ok && r.failure?.code === 'name-taken' && r.identity);
    if (options.replace && client && taken.length) {
      // The console's "Revoke NAME and retry", for every such host at once.
      const again = new Set<string>();
      for (const r of taken) {
        const revoked = await client.request('agents:revoke', REQUEST_TIMEOUT_MS, {
          identity: r.identity,
          reason: `replaced by directord bootstrap --replace (${r.host})`,
        });
        if (revoked.ok) {
          line(`[${r.host}] name taken: revoked the earlier agent ${r.identity}; installing again (--replace)`);
          again.add(r.host);
        } else line(`[${r.host}] could not revoke ${r.identity}: ${revoked.error.message}`);
      }
      const retried = again.size ? await run({ serial: [], parallel: parallel.filter((h) => again.has(h.label)) }) : [];
      results = results.map((r) => retried.find((x) => x.host === r.host) ?? r);
    }
  } finally {
    client?.close();
  }
  const clientLabels = new Set(parallel.map((h) => h.label));
  const good = results.filter((r) => r.ok).length;
  line(`Bootstrap finished: ${good} of ${results.length} host(s) succeeded`);
  for (const r of [...results].sort((a, b) => a.host.localeCompare(b.host))) line(resultLine(r, clientLabels));
  return good === results.length ? EXIT.ok : EXIT.failure;
}
