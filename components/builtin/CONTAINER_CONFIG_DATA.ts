import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { boolField, recordField, stringField } from './fields.js';
import { failure } from './host.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Python `fnmatch` of one file name: `*`, `?`, `[seq]`, `[!seq]`; a leading dot must be matched literally, as glob does. */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        source += `[${negate ? '^' : ''}${body.replaceAll('\\', '\\\\').replaceAll('^', '\\^')}]`;
        i = end;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name);
}

/** Directord's `merge_dict` (extend): mappings merge recursively, lists append, other values are replaced. */
export function mergeConfig(base: Record<string, unknown>, override: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    if (isRecord(current) && isRecord(value)) out[key] = mergeConfig(current, value);
    else if (Array.isArray(current) && Array.isArray(value)) out[key] = [...(current as unknown[]), ...(value as unknown[])];
    else out[key] = value;
  }
  return out;
}

function parseOverrides(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (isRecord(value)) return value;
  if (typeof value !== 'string')
    throw new ArgumentError('CONTAINER_CONFIG_DATA: --config-overrides expects a JSON mapping', 'config_overrides');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ArgumentError(
      `CONTAINER_CONFIG_DATA: --config-overrides is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      'config_overrides',
    );
  }
  if (!isRecord(parsed))
    throw new ArgumentError(
      'CONTAINER_CONFIG_DATA: --config-overrides expects a JSON mapping, e.g. {"web": {"image": "x"}}',
      'config_overrides',
    );
  return parsed;
}

/**
 * CONTAINER_CONFIG_DATA (spec 4.20, adapted from TripleO's Ansible module): read every JSON
 * file of `--config-path` matching `--config-pattern` into `{basename without extension:
 * content}`, merge `--config-overrides` over it, store the result as cache key `configs` and
 * print it as JSON. A missing config path succeeds with `{}` and leaves the cache alone, as in
 * Directord; an unreadable or invalid file fails naming it.
 */
export const CONTAINER_CONFIG_DATA = defineComponent({
  verb: 'CONTAINER_CONFIG_DATA',
  summary: "Load container configs (JSON files) into the target's 'configs' cache.",
  description:
    'Reads the JSON files of a directory on the target that match a pattern into one mapping keyed by file name, merges ' +
    "the overrides over it and stores it in the target's cache as 'configs'.",
  args: Type.Object({
    config_path: Type.String({
      'x-argv': 'option',
      'x-metavar': 'DIR',
      minLength: 1,
      title: 'Config directory',
      description: 'Directory on the target holding the JSON config files.',
    }),
    config_pattern: Type.String({
      'x-argv': 'option',
      'x-metavar': 'GLOB',
      minLength: 1,
      pattern: '^[^/]+$',
      'x-pattern-hint': 'expects a file name pattern without /',
      default: '*.json',
      title: 'File pattern',
      description: 'Shell-style pattern of the file names to read.',
    }),
    config_overrides: Type.Optional(
      Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())], {
        'x-argv': 'option',
        'x-metavar': 'JSON',
        title: 'Overrides',
        description: 'A JSON mapping merged over the loaded configs, e.g. {"web": {"image": "x"}}.',
      }),
    ),
    debug: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Debug', description: 'List each config file read on stderr.' }),
  }),
  cacheable: true,
  requiresLock: false,
  toJob(parsed) {
    return {
      config_path: parsed.config_path,
      config_pattern: parsed.config_pattern,
      config_overrides: parseOverrides(parsed.config_overrides),
      debug: parsed.debug,
    };
  },
  async run(ctx, fields) {
    const dir = stringField(fields, 'config_path').replace(/(.)\/+$/, '$1');
    const pattern = stringField(fields, 'config_pattern');
    const overrides = fields.config_overrides === undefined ? {} : recordField(fields, 'config_overrides');
    const debug = boolField(fields, 'debug');
    if (!(await ctx.files.exists(dir))) {
      ctx.write('stdout', '{}\n');
      return { ok: true, info: `${dir} does not exist; nothing loaded` };
    }
    if (!ctx.files.readdir) return failure(ctx, 'CONTAINER_CONFIG_DATA: this host cannot list directories');
    let names: string[];
    try {
      names = (await ctx.files.readdir(dir)).filter((name) => fnmatch(pattern, name));
    } catch (error) {
      return failure(ctx, `CONTAINER_CONFIG_DATA: cannot list ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const found: Record<string, unknown> = {};
    for (const name of names) {
      const path = `${dir === '/' ? '' : dir}/${name}`;
      let config: unknown;
      try {
        config = JSON.parse(await ctx.files.readText(path));
      } catch (error) {
        return failure(ctx, `CONTAINER_CONFIG_DATA: cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (debug) ctx.write('stderr', `Config found for ${name.replace(/\.[^.]*$/, '')}: ${path}\n`);
      found[name.replace(/\.[^.]*$/, '')] = config;
    }
    const configs = mergeConfig(found, overrides);
    ctx.cache.set('configs', configs);
    ctx.write('stdout', `${JSON.stringify(configs)}\n`);
    return { ok: true, info: `${names.length} config files loaded from ${dir}` };
  },
});
