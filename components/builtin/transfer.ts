/**
 * ADD and COPY (spec 4.5; identical, lock `copy`), shared here. Job string:
 * `[--chown USER[:GROUP]] [--chmod OCTAL] [--blueprint] SOURCE… DEST` (positionals shell-split,
 * so a quoted DEST may hold spaces or `{{ }}`).
 *
 * - Operator side (CLI): SOURCE patterns ({@link ComponentDefinition.sourcePatterns}) are
 *   glob-expanded on the operator's machine, each regular file is uploaded as a blob, and the
 *   job is submitted with the files (`withFiles` adds them as `sources: [{name, sha, size, mode}]`).
 *   The content SHAs are part of the job SHA, so changed content is never a cache hit (bug 9.2).
 * - Agent: each source is handled on its own (bug 9.6): its destination is DEST/NAME when DEST
 *   ends with `/` or there are several sources, else DEST (rendered with the args cache); the
 *   blob is fetched from the server (`ctx.blobs`), `--blueprint` renders its text (an empty args
 *   cache is fine, bug 9.7), a destination that already has the same SHA3-224 is not rewritten
 *   but still gets --chown/--chmod (bug 9.7), otherwise it is written atomically and checked.
 */
import { Type } from '@sinclair/typebox';
import type { SourceFile } from '../../protocol/jobs.js';
import { ArgumentError, defineComponent, type Component, type ComponentContext, type ComponentResult } from '../define.js';
import { sha3_224Hex } from '../sha.js';
import { boolField, stringField, tryRender } from './fields.js';
import { chmodOption, chownOption } from './ownership-options.js';

declare const TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(input: Uint8Array): string };
declare const TextEncoder: new () => { encode(input: string): Uint8Array };

type Verb = 'ADD' | 'COPY';

/** `0755` / `755` → 493; a number (from YAML `vars`) is already the mode. */
export function parseMode(verb: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o7777) return value;
  if (typeof value !== 'string' || !/^0?[0-7]{3,4}$/.test(value))
    throw new ArgumentError(`${verb}: --chmod expects an octal mode such as 0755, got ${JSON.stringify(value)}`, 'chmod');
  return Number.parseInt(value, 8);
}

function isSourceFile(value: unknown): value is SourceFile {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.sha === 'string' && /^[0-9a-f]{56}$/.test(v.sha) && typeof v.size === 'number';
}

function sourcesField(fields: Readonly<Record<string, unknown>>): SourceFile[] {
  const value = fields.sources;
  if (!Array.isArray(value) || !value.every(isSourceFile))
    throw new TypeError('job field sources must be a list of {name, sha, size, mode}');
  return value;
}

function idField(fields: Readonly<Record<string, unknown>>, name: string): string | null {
  const value = fields[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** Where one source goes: DEST/NAME when DEST ends with `/` or there are several sources, else DEST. */
export function destinationOf(dest: string, name: string, intoDirectory: boolean): string {
  return intoDirectory ? `${dest.replace(/\/+$/, '')}/${name}` : dest;
}

function parentOf(path: string): string | null {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  if (cut < 0) return null;
  return cut === 0 ? '/' : path.slice(0, cut);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Options = Readonly<{ user: string | null; group: string | null; mode: number | null; blueprint: boolean }>;

/** Transfers one source to `path`; writes its own stdout/stderr lines; returns an error text or null. */
async function transferOne(ctx: ComponentContext, verb: Verb, source: SourceFile, path: string, options: Options): Promise<string | null> {
  const blobs = ctx.blobs;
  if (!blobs) return `${verb}: this agent cannot fetch files from the server`;
  let content: Uint8Array | null = null;
  let want = source.sha;
  if (options.blueprint) {
    try {
      content = await blobs.get(source.sha);
    } catch (error) {
      return `Transfer failed: ${source.name}: ${errorText(error)}`;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      return `${verb}: --blueprint: ${source.name} is not UTF-8 text`;
    }
    const rendered = tryRender(ctx, text);
    if (!rendered.ok) return `${verb}: --blueprint: ${source.name}: ${rendered.message}`;
    content = new TextEncoder().encode(rendered.text);
    want = sha3_224Hex(content);
  }
  let existing: string | null;
  try {
    existing = await ctx.files.sha3_224(path);
  } catch (error) {
    return `${verb}: cannot read ${path}: ${errorText(error)}`;
  }
  if (existing === want) {
    ctx.write('stdout', `File exists ${path} and SHA3_224 ${want} matches, nothing to transfer\n`);
  } else {
    if (content === null) {
      try {
        content = await blobs.get(source.sha);
      } catch (error) {
        return `Transfer failed: ${source.name}: ${errorText(error)}`;
      }
      const got = sha3_224Hex(content);
      if (got !== source.sha)
        return `Data integrity failure. Expected SHA ${source.sha}, found SHA ${got}. The file ${source.name} was not written`;
    }
    try {
      const parent = parentOf(path);
      if (parent !== null) await ctx.files.mkdirp(parent);
      await ctx.files.writeFile(path, content);
    } catch (error) {
      return `${verb}: cannot write ${path}: ${errorText(error)}`;
    }
  }
  if (options.user !== null || options.group !== null) {
    try {
      await ctx.files.chown(path, options.user, options.group);
    } catch (error) {
      return `Failed to set ownership properties. USER:${options.user} GROUP:${options.group}: ${errorText(error)}`;
    }
  }
  if (options.mode !== null) {
    try {
      await ctx.files.chmod(path, options.mode);
    } catch (error) {
      return `Failed to set mode ${options.mode.toString(8).padStart(4, '0')} on ${path}: ${errorText(error)}`;
    }
  }
  if (existing !== want) {
    const written = await ctx.files.sha3_224(path).catch(() => null);
    if (written !== want) return `Data integrity failure. Expected SHA ${want}, found SHA ${written ?? 'nothing'} at ${path}`;
    ctx.write('stdout', `${path} SHA3_224 ${want}\n`);
  }
  return null;
}

export function defineTransferComponent(verb: Verb): Component {
  return defineComponent({
    verb,
    summary:
      verb === 'ADD'
        ? 'Copy files from the operator’s machine to the target.'
        : 'Copy files from the operator’s machine to the target (same as ADD).',
    description:
      'Copies each SOURCE (a path or glob on the machine running the directord CLI, relative to the orchestration ' +
      "file's folder, else the CLI's working directory) to DEST on the target. DEST ending in / (or several sources) " +
      'means a directory: each file keeps its name. Files whose destination already has the same SHA3-224 are not ' +
      'copied again, but --chown and --chmod are still applied. --blueprint renders each file as a Jinja template ' +
      "with the target's args cache.",
    args: Type.Object({
      chown: chownOption('User, or user:group, as names or numeric ids on the target.'),
      chmod: chmodOption('0644', 'Octal permission bits of the copied files, e.g. 0644.'),
      blueprint: Type.Boolean({
        'x-argv': 'flag',
        default: false,
        title: 'Render as template',
        description: "Render each file's content as a Jinja template with the target's args cache.",
      }),
      paths: Type.Array(Type.String({ minLength: 1 }), {
        'x-argv': 'positionals',
        'x-metavar': 'SOURCE… DEST',
        minItems: 2,
        title: 'Sources and destination',
        description: 'One or more source paths or globs, then the destination (a directory when it ends with /).',
      }),
    }),
    cacheable: true,
    requiresLock: true,
    lockName: 'copy',
    toJob({ chown, chmod, blueprint, paths }) {
      if (paths.length < 2) throw new ArgumentError(`${verb}: expects SOURCE… DEST`, 'paths');
      const job: Record<string, unknown> = { from: paths.slice(0, -1), to: paths.at(-1), blueprint };
      if (chown) {
        const [user, group] = chown.split(':', 2);
        job.user = user;
        job.group = group ?? null;
      }
      if (chmod !== undefined) job.mode = parseMode(verb, chmod);
      return job;
    },
    sourcePatterns: (fields) => (Array.isArray(fields.from) ? fields.from.filter((p): p is string => typeof p === 'string') : []),
    withFiles(fields, files) {
      const from = Array.isArray(fields.from) ? fields.from.join(' ') : '';
      if (files.length === 0) {
        throw new ArgumentError(
          `${verb}: no source files were uploaded for ${from || 'its SOURCE'}; the directord CLI (exec, orchestrate) reads and uploads ` +
            'them from your machine; in the console, attach them in the step before deploying',
          'paths',
        );
      }
      const to = typeof fields.to === 'string' ? fields.to : '';
      if (files.length > 1 || to.endsWith('/')) {
        const seen = new Set<string>();
        for (const f of files) {
          if (seen.has(f.name))
            throw new ArgumentError(
              `${verb}: two sources are named ${f.name}; both would be written to ${destinationOf(to, f.name, true)}`,
              'paths',
            );
          seen.add(f.name);
        }
      }
      return { ...fields, sources: files.map((f) => ({ name: f.name, sha: f.sha, size: f.size, mode: f.mode })) };
    },
    async run(ctx, fields): Promise<ComponentResult> {
      const sources = sourcesField(fields);
      const rendered = tryRender(ctx, stringField(fields, 'to'));
      if (!rendered.ok) {
        ctx.write('stderr', `${rendered.message}\n`);
        return { ok: false, info: rendered.message };
      }
      const dest = rendered.text;
      if (dest.trim() === '') {
        ctx.write('stderr', `${verb}: the rendered destination is empty\n`);
        return { ok: false, info: 'empty destination' };
      }
      const intoDirectory = dest.endsWith('/') || sources.length > 1;
      const mode = fields.mode;
      const options: Options = {
        user: idField(fields, 'user'),
        group: idField(fields, 'group'),
        mode: typeof mode === 'number' ? mode : null,
        blueprint: boolField(fields, 'blueprint'),
      };
      const failures: string[] = [];
      const paths: string[] = [];
      for (const source of sources) {
        const path = destinationOf(dest, source.name, intoDirectory);
        paths.push(path);
        const problem = await transferOne(ctx, verb, source, path, options);
        if (problem) {
          ctx.write('stderr', `${problem}\n`);
          failures.push(problem);
        }
      }
      if (failures.length)
        return {
          ok: false,
          info: sources.length === 1 ? failures[0] : `${failures.length} of ${sources.length} files failed: ${failures[0]}`,
        };
      return { ok: true, info: paths.join(', ') };
    },
  });
}
