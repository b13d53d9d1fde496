import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { optionalStringField } from './fields.js';
import { failure, hasTool, shellQuote } from './host.js';

/**
 * FACTER (spec 4.18): run `facter --json [--custom-dir D] [--external-dir D]` (after
 * `command -v facter`), stream its JSON to stdout and store it as `args.facter`, replacing
 * any earlier value; QUERY can then collect it from every target. As in Directord the facts
 * are stored whenever the output is valid JSON, and the job succeeds when facter exits 0.
 */
export const FACTER = defineComponent({
  verb: 'FACTER',
  summary: "Collect the target's facts with facter into args.facter.",
  description:
    "Runs facter --json on the target and stores the facts in its args cache as 'facter' (replacing earlier facts), " +
    'for templates and QUERY. Needs facter on the target.',
  args: Type.Object({
    custom_dir: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'DIR',
        minLength: 1,
        title: 'Custom facts directory',
        description: 'Directory of custom (Ruby) facts.',
      }),
    ),
    external_dir: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'DIR',
        minLength: 1,
        title: 'External facts directory',
        description: 'Directory of external facts.',
      }),
    ),
  }),
  cacheable: true,
  requiresLock: false,
  async run(ctx, fields) {
    const customDir = optionalStringField(fields, 'custom_dir');
    const externalDir = optionalStringField(fields, 'external_dir');
    if (!(await hasTool(ctx, 'facter'))) return failure(ctx, 'Facter is not installed!');
    let command = 'facter --json';
    if (customDir) command += ` --custom-dir ${shellQuote(customDir)}`;
    if (externalDir) command += ` --external-dir ${shellQuote(externalDir)}`;
    const result = await ctx.exec(command);
    let facts: unknown;
    try {
      facts = JSON.parse(result.stdout);
    } catch {
      return failure(ctx, 'Facter returned invalid JSON!');
    }
    ctx.cache.setArgs({ facter: facts }, { extend: false });
    return { ok: result.exitCode === 0, info: command, exitCode: result.exitCode };
  },
});
