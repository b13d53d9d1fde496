/**
 * E2E/dev helper: the real server (server/index.ts) serving renderer/dist, plus N real agents
 * (agent/index.ts) in this process, on a temporary data dir.
 *   node --import tsx test/e2e/real-stack.ts --port 7700 --agents 3
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../server/index.js';
import { startAgent, type RunningAgent } from '../../agent/index.js';
import { builtinComponents } from '../../components/builtin/index.js';
import { importModule } from '../../server/components/import-module.js';
import { silentLogger } from '../../protocol/log.js';

export type RealStack = Readonly<{ url: string; token: string; agents: readonly string[]; close(): Promise<void> }>;

/** `componentsDir`: user components the server loads (and ships to the agents), as `serve --components-dir`. */
export async function startRealStack(
  options: { port?: number; agents?: number; dataDir?: string; componentsDir?: string } = {},
): Promise<RealStack> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'directord-console-'));
  const staticDir = fileURLToPath(new URL('../../renderer/dist', import.meta.url));
  const server = await createServer({
    dataDir,
    port: options.port ?? 0,
    staticDir,
    components: builtinComponents,
    log: silentLogger,
    ...(options.componentsDir ? { componentsDir: options.componentsDir, importModule } : {}),
  });
  const names = Array.from({ length: options.agents ?? 3 }, (_, i) => `node-${i + 1}`);
  const agents: RunningAgent[] = [];
  for (const identity of names) {
    const agent = await startAgent({
      serverUrl: server.url,
      key: server.agentKey,
      identity,
      cacheDir: join(dataDir, 'agents', identity),
      log: silentLogger,
    });
    await agent.whenConnected();
    agents.push(agent);
  }
  return {
    url: server.url,
    token: server.uiToken,
    agents: names,
    close: async () => {
      for (const a of agents) await a.close();
      await server.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const stack = await startRealStack({ port: Number(arg('port') ?? 7700), agents: Number(arg('agents') ?? 3) });
  process.stdout.write(`Directord server with ${stack.agents.length} agents: ${stack.url}/?token=${stack.token}\n`);
  const stop = () => void stack.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
