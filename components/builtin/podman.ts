/**
 * Shared by POD and CONTAINER_IMAGE (spec 4.19). Directord drove podman's REST API through
 * podman-py and a unix socket; these components run the `podman` CLI through `ctx.exec`
 * instead: no native or Python dependencies on the agent, the same podman operations and
 * results (the CLI is a client of the same library), streamed output, and a clear failure
 * when podman is missing. `--socket-path` still selects a podman service, as
 * `podman --url unix://PATH` (podman's remote mode).
 */
import { Type } from '@sinclair/typebox';
import type { ComponentContext, ComponentResult } from '../define.js';
import { hasTool, shellQuote, toolMissing } from './host.js';

export const socketPathArg = Type.Optional(
  Type.String({
    'x-argv': 'option',
    'x-metavar': 'PATH',
    pattern: '^/\\S*$',
    'x-pattern-hint': 'expects an absolute socket path',
    title: 'Podman socket',
    description: 'Talk to the podman service on this unix socket (podman --url unix://PATH); default: the local podman.',
  }),
);

export const noTlsVerifyArg = Type.Boolean({
  'x-argv': 'flag',
  default: false,
  title: 'Skip TLS verification',
  description: 'Do not verify registry TLS certificates (podman --tls-verify=false).',
});

/** `podman` or `podman --url unix://PATH`. */
export function podmanCommand(socketPath: string | undefined): string {
  return socketPath ? `podman --url ${shellQuote(`unix://${socketPath}`)}` : 'podman';
}

/** Fails with the standard message when podman is not on the target's PATH. */
export async function requirePodman(ctx: ComponentContext): Promise<ComponentResult | null> {
  return (await hasTool(ctx, 'podman')) ? null : toolMissing(ctx, 'podman');
}

/**
 * Runs every command (streamed), continuing after failures as Directord's per-image loops
 * did; succeeds when all exit 0. INFO is the commands, or the failed ones with exit codes.
 */
export async function runAll(ctx: ComponentContext, commands: readonly string[]): Promise<ComponentResult> {
  const failed: string[] = [];
  let exitCode: number | null = 0;
  for (const command of commands) {
    if (ctx.signal.aborted) break;
    const result = await ctx.exec(command);
    if (result.exitCode !== 0) {
      failed.push(`${command} (exit ${String(result.exitCode)})`);
      exitCode = result.exitCode;
    }
  }
  if (failed.length) {
    const info = `Failed: ${failed.join('; ')}`;
    ctx.write('stderr', `${info}\n`);
    return { ok: false, info, exitCode };
  }
  return { ok: true, info: commands.join('; '), exitCode: 0 };
}
