import { Type } from '@sinclair/typebox';
import { defineComponent, type ComponentContext, type ComponentResult } from '../define.js';
import { boolField, choiceField, intField, optionalStringField, stringArrayField } from './fields.js';
import { exclusiveOption, hasTool, rejectOptionLike, shellQuote, toolMissing } from './host.js';

const RUNNING = ['start', 'restart', 'stop', 'reload'] as const;
const STATES = ['enable', 'disable', 'mask', 'unmask'] as const;

type Step = Readonly<{ command: string; failure: string }>;

/** One pass over the steps; the first failing step ends it. */
async function runSteps(ctx: ComponentContext, steps: readonly Step[]): Promise<ComponentResult> {
  for (const step of steps) {
    const result = await ctx.exec(step.command);
    if (result.exitCode !== 0) return { ok: false, info: step.failure, exitCode: result.exitCode };
  }
  return { ok: true, info: steps.map((s) => s.command).join('; '), exitCode: 0 };
}

/**
 * SERVICE (spec 4.12): manage systemd units with systemctl, in this order, each step
 * ending the attempt when it fails:
 * 1. `systemctl daemon-reload` (with `--daemon-reload`);
 * 2. `systemctl mask|unmask|enable|disable UNIT…` (the state option, if any);
 * 3. `systemctl start|restart|stop|reload UNIT…` (always; start by default).
 * The whole sequence is retried up to `--retry` times. Directord dropped the running option
 * when a state option was given (`--enable --restarted` only started); here both apply.
 * Job fields: `state` (when given), `running`, `retry`, `services`, `daemon_reload`.
 */
export const SERVICE = defineComponent({
  verb: 'SERVICE',
  summary: 'Start, stop, restart, enable or disable systemd services.',
  description:
    'Runs systemctl on the target: an optional daemon-reload, an optional enable/disable/mask/unmask, then start ' +
    '(default), restart, stop or reload of the services. Needs systemd on the target.',
  args: Type.Object({
    reloaded: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Reload',
      description: 'Reload the services instead of starting them.',
    }),
    restarted: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Restart',
      description: 'Restart the services instead of starting them.',
    }),
    stopped: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Stop', description: 'Stop the services instead of starting them.' }),
    daemon_reload: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Reload systemd first',
      description: 'Run "systemctl daemon-reload" first (the services are then started).',
    }),
    enable: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Enable', description: 'Enable the services at boot.' }),
    disable: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Disable', description: 'Disable the services at boot.' }),
    mask: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Mask', description: 'Mask the services so they cannot be started.' }),
    unmask: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Unmask', description: 'Unmask the services.' }),
    retry: Type.Integer({
      'x-argv': 'option',
      minimum: 1,
      default: 3,
      title: 'Attempts',
      description: 'Run the whole systemctl sequence up to this many times until it succeeds.',
    }),
    services: Type.Array(Type.String({ minLength: 1 }), {
      'x-argv': 'positionals',
      'x-metavar': 'SERVICE',
      minItems: 1,
      title: 'Services',
      description: 'Unit names, e.g. httpd or chronyd.service.',
    }),
  }),
  cacheable: true,
  requiresLock: true,
  lockName: 'service',
  toJob(parsed) {
    const running = exclusiveOption('SERVICE', parsed, ['reloaded', 'restarted', 'stopped', 'daemon_reload'], false);
    const state = exclusiveOption('SERVICE', parsed, ['enable', 'disable', 'mask', 'unmask'], false);
    rejectOptionLike('SERVICE', 'services', 'service', parsed.services);
    return {
      ...(state ? { state } : {}),
      running: running === 'reloaded' ? 'reload' : running === 'restarted' ? 'restart' : running === 'stopped' ? 'stop' : 'start',
      retry: parsed.retry,
      services: parsed.services,
      daemon_reload: parsed.daemon_reload,
    };
  },
  async run(ctx, fields) {
    const state = optionalStringField(fields, 'state') === undefined ? undefined : choiceField(fields, 'state', STATES);
    const running = choiceField(fields, 'running', RUNNING);
    const services = stringArrayField(fields, 'services');
    const attempts = Math.max(1, intField(fields, 'retry', 3));
    if (services.length === 0) throw new TypeError('job field services must not be empty');
    if (!(await hasTool(ctx, 'systemctl'))) return toolMissing(ctx, 'systemctl', 'SERVICE needs systemd');
    const units = services.map(shellQuote).join(' ');
    const steps: Step[] = [];
    if (boolField(fields, 'daemon_reload'))
      steps.push({ command: 'systemctl daemon-reload', failure: 'Failed to reload the systemd daemon' });
    if (state) steps.push({ command: `systemctl ${state} ${units}`, failure: 'Failed to set the systemd state' });
    steps.push({ command: `systemctl ${running} ${units}`, failure: `Failed to ${running} ${services.join(' ')}` });
    let result: ComponentResult = { ok: false };
    for (let attempt = 1; attempt <= attempts && !ctx.signal.aborted; attempt++) {
      if (attempt > 1)
        ctx.write('stderr', `SERVICE: attempt ${attempt - 1} of ${attempts} failed (${result.info ?? 'failed'}); retrying\n`);
      result = await runSteps(ctx, steps);
      if (result.ok) break;
    }
    if (!result.ok && result.info) ctx.write('stderr', `${result.info}\n`);
    return result;
  },
});
