import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { boolField, optionalStringField, stringField } from './fields.js';
import { failure, hasTool, shellQuote, toolMissing } from './host.js';

/** `semanage fcontext -l` names file types in words. */
const FILE_TYPES = {
  a: 'all files',
  b: 'block device',
  c: 'character device',
  d: 'directory',
  f: 'regular file',
  l: 'symbolic link',
  p: 'named pipe',
  s: 'socket',
} as const;
type FileType = keyof typeof FILE_TYPES;
const FTYPES = Object.keys(FILE_TYPES) as FileType[];

/** The target always in single quotes: it is usually a regular expression such as `/srv/web(/.*)?`. */
function quoteTarget(target: string): string {
  return `'${target.replaceAll("'", `'"'"'`)}'`;
}

/** Whether `semanage fcontext -l -n` output has a record for `target` and file type `ftype`. */
export function fcontextExists(listing: string, target: string, ftype: FileType): boolean {
  const words = FILE_TYPES[ftype];
  return listing.split('\n').some((line) => {
    if (!line.startsWith(target) || !/^\s/.test(line.slice(target.length))) return false;
    const rest = line.slice(target.length).trimStart();
    return rest.startsWith(words) && (rest.length === words.length || /^\s/.test(rest.slice(words.length)));
  });
}

/** The path `restorecon` relabels: the target without the usual `(/.*)?` suffix. */
export function relabelPath(target: string): string {
  return target.endsWith('(/.*)?') ? target.slice(0, -'(/.*)?'.length) : target;
}

/**
 * SECONTEXT (spec 4.21): add or modify an SELinux file-context record with the semanage CLI
 * (no Python bindings needed): `semanage fcontext -a|-m -t TYPE [-f FTYPE] [-s USER]
 * [-r LEVEL] 'TARGET'`, `-m` when `semanage fcontext -l` already has the record. Options not
 * given are left out of the job and of the command, so semanage keeps (on -m) or defaults
 * (system_u, s0 on -a) them: Directord stored the Python `str` type for them and could not
 * serialise the job (bug 9.10 fixed), and its record lookup raised KeyError without --ftype.
 * semanage itself reloads the policy; `--reload` also relabels existing files with
 * `restorecon -R -v PATH` (PATH = TARGET without a trailing `(/.*)?`).
 */
export const SECONTEXT = defineComponent({
  verb: 'SECONTEXT',
  summary: 'Add or change an SELinux file context (semanage fcontext).',
  description:
    'Adds the SELinux file-context record TARGET -> --setype with semanage, or modifies it when it exists; --reload also ' +
    'relabels existing files with restorecon. Needs semanage (policycoreutils-python-utils) on the target.',
  args: Type.Object({
    ftype: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': '{a,b,c,d,f,l,p,s}',
        pattern: '^[abcdflps]$',
        'x-pattern-hint': 'expects one of a, b, c, d, f, l, p, s',
        enum: FTYPES,
        title: 'File type',
        description:
          'a all files, b block device, c character device, d directory, f regular file, l symbolic link, p named pipe, s socket.',
      }),
    ),
    reload: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Relabel files',
      description: 'After the change, relabel existing files under TARGET with restorecon -R.',
    }),
    selevel: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'LEVEL',
        pattern: '^[A-Za-z0-9:.,-]+$',
        'x-pattern-hint': 'expects an MLS/MCS level such as s0',
        title: 'SELinux level',
        description: 'MLS/MCS level (range), e.g. s0. Default: s0 for a new record, unchanged for an existing one.',
      }),
    ),
    setype: Type.String({
      'x-argv': 'option',
      'x-metavar': 'TYPE',
      pattern: '^[A-Za-z0-9_]+$',
      'x-pattern-hint': 'expects an SELinux type such as httpd_sys_content_t',
      title: 'SELinux type',
      description: 'The file type to assign, e.g. httpd_sys_content_t.',
    }),
    seuser: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'USER',
        pattern: '^[A-Za-z0-9_]+$',
        'x-pattern-hint': 'expects an SELinux user such as system_u',
        title: 'SELinux user',
        description: 'SELinux user, e.g. system_u. Default: system_u for a new record, unchanged for an existing one.',
      }),
    ),
    target: Type.String({
      'x-argv': 'positional',
      'x-metavar': 'TARGET',
      minLength: 1,
      title: 'Target',
      description: 'Path or path regular expression, e.g. "/srv/web(/.*)?".',
    }),
  }),
  cacheable: true,
  requiresLock: false,
  toJob(parsed) {
    if (parsed.reload && !parsed.target.startsWith('/')) {
      throw new ArgumentError(
        `SECONTEXT: --reload needs an absolute TARGET path to relabel, got ${JSON.stringify(parsed.target)}`,
        'target',
      );
    }
    return {
      ...(parsed.ftype !== undefined ? { ftype: parsed.ftype } : {}),
      setype: parsed.setype,
      ...(parsed.seuser !== undefined ? { seuser: parsed.seuser } : {}),
      ...(parsed.selevel !== undefined ? { selevel: parsed.selevel } : {}),
      target: parsed.target,
      reload: parsed.reload,
    };
  },
  async run(ctx, fields) {
    const target = stringField(fields, 'target');
    const setype = stringField(fields, 'setype');
    const ftype = optionalStringField(fields, 'ftype');
    const seuser = optionalStringField(fields, 'seuser');
    const selevel = optionalStringField(fields, 'selevel');
    if (ftype !== undefined && !Object.hasOwn(FILE_TYPES, ftype))
      throw new TypeError(`job field ftype must be one of ${FTYPES.join(', ')}`);
    if (!(await hasTool(ctx, 'semanage'))) return toolMissing(ctx, 'semanage', 'install policycoreutils-python-utils');
    const listing = await ctx.exec('semanage fcontext -l -n', { stream: false });
    if (listing.exitCode !== 0) {
      if (listing.stderr) ctx.write('stderr', listing.stderr);
      return failure(ctx, 'SECONTEXT: semanage fcontext -l failed', listing.exitCode);
    }
    const exists = fcontextExists(listing.stdout, target, (ftype ?? 'a') as FileType);
    let command = `semanage fcontext ${exists ? '-m' : '-a'} -t ${shellQuote(setype)}`;
    if (ftype !== undefined) command += ` -f ${ftype}`;
    if (seuser !== undefined) command += ` -s ${shellQuote(seuser)}`;
    if (selevel !== undefined) command += ` -r ${shellQuote(selevel)}`;
    command += ` ${quoteTarget(target)}`;
    const changed = await ctx.exec(command);
    if (changed.exitCode !== 0) return failure(ctx, `SECONTEXT: ${command} failed`, changed.exitCode);
    if (boolField(fields, 'reload')) {
      const relabel = `restorecon -R -v ${shellQuote(relabelPath(target))}`;
      const relabelled = await ctx.exec(relabel);
      if (relabelled.exitCode !== 0) return failure(ctx, `SECONTEXT: ${relabel} failed`, relabelled.exitCode);
      command += `; ${relabel}`;
    }
    ctx.write('stdout', `${target}\n`);
    return { ok: true, info: command, exitCode: 0 };
  },
});
