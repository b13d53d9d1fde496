/**
 * `directord agent` (alias `client`): the agent in the foreground. Every option is the agent's
 * own (agent/cli.ts); the CLI adds `--data-dir` so the agent finds server.json and agent.key.
 */
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { agentCommand } from '../paths.js';

export function agentArgv(args: readonly string[], dataDir: string): string[] {
  const given = args.some((a) => a === '--data-dir' || a.startsWith('--data-dir='));
  return given ? [...args] : ['--data-dir', dataDir, ...args];
}

export async function runAgentCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { runAgentCli } = await import('../../agent/cli.js');
  const argv = agentArgv(args, dataDirOf(ctx));
  if (ctx.debug && !argv.includes('--debug')) argv.push('--debug');
  // `--install-service` runs the built one-file agent, not this CLI.
  return runAgentCli(argv, undefined, argv.includes('--install-service') ? { serviceEntry: agentCommand().args } : {});
}
