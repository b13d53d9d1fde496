import { Type } from '@sinclair/typebox';
import { defineComponent, type ExecResult } from '../define.js';
import { boolField, choiceField, intField, optionalStringField, stringArrayField } from './fields.js';
import { exclusiveOption, hasTool, rejectOptionLike, shellQuote, toolMissing } from './host.js';

const STATES = ['present', 'latest', 'absent'] as const;

/**
 * DNF (spec 4.11): install, upgrade or remove packages with dnf.
 * - `--clear-metadata`: `dnf clean all` and `dnf makecache` first (their outcome is ignored);
 * - present: `dnf -q -y[ --exclude=X] install PKG…`;
 * - latest: `dnf -q -y --best[ --exclude=X] install PKG…`;
 * - absent: `dnf -q -y[ --exclude=X] remove PKG…`.
 * Output is streamed live under `=== dnf … ===` headers; the whole sequence is retried up to
 * `--retry` times (each retry announced on stderr) and succeeds when the last dnf run does.
 * Job fields follow Directord: `state`, `retry`, `clear`, `packages`, then `exclude` when given.
 */
export const DNF = defineComponent({
  verb: 'DNF',
  summary: 'Install, upgrade or remove packages with dnf.',
  description:
    'Makes sure packages are installed (default), at their latest version (--latest) or removed (--absent) on the target, ' +
    'optionally after refreshing the dnf metadata. Needs dnf on the target.',
  args: Type.Object({
    clear_metadata: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Refresh metadata first',
      description: 'Run "dnf clean all" and "dnf makecache" before the action.',
    }),
    exclude: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'PKG[,PKG...]',
        pattern: '^[^\\s,]+(,[^\\s,]+)*$',
        'x-pattern-hint': 'expects comma-separated package names without spaces',
        title: 'Exclude',
        description: 'Packages dnf must not touch, separated by commas.',
      }),
    ),
    latest: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Latest',
      description: 'Install or upgrade to the newest available version.',
    }),
    absent: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Absent', description: 'Remove the packages.' }),
    retry: Type.Integer({
      'x-argv': 'option',
      minimum: 1,
      default: 3,
      title: 'Attempts',
      description: 'Run the whole dnf sequence up to this many times until it succeeds.',
    }),
    packages: Type.Array(Type.String({ minLength: 1 }), {
      'x-argv': 'positionals',
      'x-metavar': 'PACKAGE',
      minItems: 1,
      title: 'Packages',
      description: 'Package names or specs to manage.',
    }),
  }),
  cacheable: true,
  requiresLock: true,
  lockName: 'dnf',
  toJob(parsed) {
    const mode = exclusiveOption('DNF', parsed, ['latest', 'absent'], false);
    rejectOptionLike('DNF', 'packages', 'package', parsed.packages);
    return {
      state: mode ?? 'present',
      retry: parsed.retry,
      clear: parsed.clear_metadata,
      packages: parsed.packages,
      ...(parsed.exclude !== undefined ? { exclude: parsed.exclude } : {}),
    };
  },
  async run(ctx, fields) {
    const state = choiceField(fields, 'state', STATES);
    const packages = stringArrayField(fields, 'packages');
    const exclude = optionalStringField(fields, 'exclude');
    const clear = boolField(fields, 'clear');
    const attempts = Math.max(1, intField(fields, 'retry', 3));
    if (packages.length === 0) throw new TypeError('job field packages must not be empty');
    if (!(await hasTool(ctx, 'dnf'))) return toolMissing(ctx, 'dnf');
    const excludeArg = exclude ? ` --exclude=${shellQuote(exclude)}` : '';
    const names = packages.map(shellQuote).join(' ');
    const [section, command] =
      state === 'absent'
        ? ['dnf remove', `dnf -q -y${excludeArg} remove ${names}`]
        : state === 'latest'
          ? ['dnf install', `dnf -q -y --best${excludeArg} install ${names}`]
          : ['dnf install', `dnf -q -y${excludeArg} install ${names}`];
    let last: ExecResult | undefined;
    for (let attempt = 1; attempt <= attempts && !ctx.signal.aborted; attempt++) {
      if (attempt > 1)
        ctx.write('stderr', `DNF: attempt ${attempt - 1} of ${attempts} failed (exit ${String(last?.exitCode)}); retrying\n`);
      if (clear) {
        ctx.write('stdout', '=== dnf clean ===\n');
        await ctx.exec('dnf clean all');
        ctx.write('stdout', '=== dnf makecache ===\n');
        await ctx.exec('dnf makecache');
      }
      ctx.write('stdout', `=== ${section} ===\n`);
      last = await ctx.exec(command);
      if (last.exitCode === 0) break;
    }
    return { ok: last?.exitCode === 0, info: command, ...(last ? { exitCode: last.exitCode } : {}) };
  },
});
