import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { stringField, tryRender } from './fields.js';
import { chmodOption, chownOption } from './ownership-options.js';

/** `0755` / `755` → 493; a number (from YAML `vars`) is already the mode. */
function parseMode(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !/^0?[0-7]{3,4}$/.test(value))
    throw new ArgumentError(`WORKDIR: --chmod expects an octal mode such as 0755, got ${JSON.stringify(value)}`, 'chmod');
  return Number.parseInt(value, 8);
}

/**
 * WORKDIR (spec 4.6): render the path, `mkdir -p` it, then optionally chown and chmod.
 * Job fields follow Directord: `user`/`group` (group null when absent) when `--chown` is
 * given, `mode` (an integer) when `--chmod` is given, then `workdir`.
 */
export const WORKDIR = defineComponent({
  verb: 'WORKDIR',
  summary: 'Create a directory on the target, with optional owner and mode.',
  description: 'Renders the path with the args cache, creates it and any missing parents, then applies --chown and --chmod.',
  args: Type.Object({
    chown: chownOption('User, or user:group, as names or numeric ids.'),
    chmod: chmodOption('0755', 'Octal permission bits, e.g. 0755.'),
    workdir: Type.String({
      'x-argv': 'rest',
      'x-metavar': 'PATH',
      minLength: 1,
      title: 'Directory',
      description: 'Path to create; may use {{ templates }}.',
    }),
  }),
  cacheable: true,
  requiresLock: false,
  toJob({ chown, chmod, workdir }) {
    const job: Record<string, unknown> = {};
    if (chown) {
      const [user, group] = chown.split(':', 2);
      job.user = user;
      job.group = group ?? null;
    }
    if (chmod !== undefined) job.mode = parseMode(chmod);
    job.workdir = workdir;
    return job;
  },
  async run(ctx, fields) {
    const rendered = tryRender(ctx, stringField(fields, 'workdir'));
    if (!rendered.ok) {
      ctx.write('stderr', `${rendered.message}\n`);
      return { ok: false, info: rendered.message };
    }
    const path = rendered.text;
    if (path.trim() === '') {
      ctx.write('stderr', 'WORKDIR: the rendered path is empty\n');
      return { ok: false };
    }
    const user = typeof fields.user === 'string' || typeof fields.user === 'number' ? String(fields.user) : null;
    const group = typeof fields.group === 'string' || typeof fields.group === 'number' ? String(fields.group) : null;
    const step = async (what: string, action: () => Promise<void>): Promise<string | null> => {
      try {
        await action();
        return null;
      } catch (error) {
        return `${what}: ${error instanceof Error ? error.message : String(error)}`;
      }
    };
    const failed =
      (await step(`Failed to create directory ${path}`, () => ctx.files.mkdirp(path))) ??
      (user !== null || group !== null
        ? await step(`Failed to set ownership properties. USER:${user} GROUP:${group}`, () => ctx.files.chown(path, user, group))
        : null) ??
      (typeof fields.mode === 'number'
        ? await step(`Failed to set mode ${fields.mode.toString(8)}`, () => ctx.files.chmod(path, fields.mode as number))
        : null);
    if (failed) {
      ctx.write('stderr', `${failed}\n`);
      return { ok: false, info: path };
    }
    ctx.write('stdout', `Directory ${path} OK\n`);
    return { ok: true, info: path };
  },
});
