import { Type } from '@sinclair/typebox';
import { defineComponent, type ExecResult } from '../define.js';
import { boolField, intField, stringField, tryRender } from './fields.js';

/**
 * RUN (spec 4.3): render the command with the args cache, run it with `/bin/sh -c`
 * (the agent adds the ENV cache to its environment), retry until exit 0.
 *
 * With `--retry N` > 1 every attempt runs unstreamed and only the last attempt's output
 * is written, as in Directord; a single attempt streams its output live.
 */
export const RUN = defineComponent({
  verb: 'RUN',
  summary: 'Run a shell command on the target.',
  description:
    "Renders the command as a Jinja template with the target's args cache, runs it with /bin/sh and succeeds when it exits 0. " +
    'The command is everything after the options, kept verbatim.',
  args: Type.Object({
    no_block: Type.Boolean({
      'x-argv': 'flag',
      'x-flag': '--no-block',
      default: false,
      title: 'Fire and forget',
      description: 'Start the command in its own session and succeed at once, without waiting or collecting output.',
    }),
    retry: Type.Integer({
      'x-argv': 'option',
      minimum: 1,
      default: 1,
      title: 'Retries',
      description: 'Run the command up to this many times until it exits 0.',
    }),
    command: Type.String({
      'x-argv': 'rest',
      minLength: 1,
      title: 'Command',
      description: 'Shell command; may use {{ templates }} over the args cache.',
    }),
  }),
  cacheable: true,
  requiresLock: false,
  async run(ctx, fields) {
    const rendered = tryRender(ctx, stringField(fields, 'command'));
    if (!rendered.ok) {
      ctx.write('stderr', `${rendered.message}\n`);
      return { ok: false, info: rendered.message };
    }
    const command = rendered.text;
    if (command.trim() === '') {
      ctx.write('stderr', 'RUN: the rendered command is empty\n');
      return { ok: false, info: command };
    }
    if (boolField(fields, 'no_block')) {
      const started = await ctx.exec(command, { detach: true });
      return { ok: started.exitCode === 0 || started.exitCode === null, info: command, exitCode: started.exitCode };
    }
    const attempts = Math.max(1, intField(fields, 'retry', 1));
    let last: ExecResult | undefined;
    // ctx.exec itself refuses to start once the job is aborted; the signal is read only between retries.
    for (let attempt = 0; attempt < attempts && (attempt === 0 || !ctx.signal.aborted); attempt++) {
      last = await ctx.exec(command, attempts === 1 ? { detach: false, capture: false } : { detach: false, stream: false });
      if (last.exitCode === 0) break;
    }
    if (!last) return { ok: false, info: command };
    if (attempts > 1) {
      if (last.stdout) ctx.write('stdout', last.stdout);
      if (last.stderr) ctx.write('stderr', last.stderr);
    }
    return { ok: last.exitCode === 0, info: command, exitCode: last.exitCode };
  },
});
