import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { intField } from './fields.js';
import { failure, hasTool, toolMissing } from './host.js';

/**
 * REBOOT (spec 4.17): after checking that `systemctl` exists, start
 * `sleep N; systemctl --message='Directord reboot instruction' reboot` in its own session
 * and succeed at once. Directord meant REBOOT to be non-cacheable and locked but set the
 * flags where the client never read them (bug 9.10); here both are effective, so a second
 * REBOOT always reboots again. The seconds are optional (default 10), as its help said.
 */
export const REBOOT = defineComponent({
  verb: 'REBOOT',
  summary: 'Reboot the target after a delay.',
  description:
    'Checks that systemctl is available, then schedules "systemctl reboot" after SECONDS seconds in the background and ' +
    'succeeds at once. The job always runs (never a cache hit).',
  args: Type.Object({
    time: Type.Optional(
      Type.Integer({
        'x-argv': 'positional',
        'x-metavar': 'SECONDS',
        minimum: 0,
        default: 10,
        title: 'Delay (seconds)',
        description: 'Seconds to wait before rebooting, leaving time for the result to reach the server.',
      }),
    ),
  }),
  cacheable: false,
  requiresLock: true,
  lockName: 'reboot',
  async run(ctx, fields) {
    const seconds = intField(fields, 'time', 10);
    if (seconds < 0) return failure(ctx, 'REBOOT: SECONDS must be >= 0');
    if (!(await hasTool(ctx, 'systemctl'))) return toolMissing(ctx, 'systemctl', 'REBOOT needs systemd');
    const command = `sleep ${seconds}; systemctl --message='Directord reboot instruction' reboot`;
    const started = await ctx.exec(command, { detach: true });
    if (started.exitCode !== 0 && started.exitCode !== null) return failure(ctx, `REBOOT: could not start ${command}`, started.exitCode);
    ctx.write('stdout', `Reboot scheduled in ${seconds} seconds\n`);
    return { ok: true, info: command };
  },
});
