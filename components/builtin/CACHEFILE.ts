import { Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { defineComponent } from '../define.js';
import { pyyamlTags } from '../orchestration.js';
import { stringField } from './fields.js';
import { failure } from './host.js';

export type CacheFileParse = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * The content of a cache file: JSON, or YAML 1.1 as PyYAML's `safe_load` reads it
 * (`yes`/`no` booleans, duplicate keys keep the last value). Syntax errors carry the
 * line and column.
 */
export function parseCacheFile(text: string): CacheFileParse {
  if (/^\s*[[{]/.test(text)) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      // Not valid JSON: YAML (a superset) reads it again and reports where it breaks.
    }
  }
  const doc = parseDocument(text, { version: '1.1', customTags: pyyamlTags, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
    return { ok: false, message: pos ? `line ${pos.line}, column ${pos.col}: ${message}` : message };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) as unknown };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

/**
 * CACHEFILE (spec 4.7): read a YAML or JSON file on the target and merge it into the args
 * cache with extend (mappings merge recursively, lists append), so repeated loads append
 * to lists. The path is used as given (not rendered), as in Directord.
 */
export const CACHEFILE = defineComponent({
  verb: 'CACHEFILE',
  summary: 'Load a YAML or JSON file on the target into its args cache.',
  description:
    "Reads a YAML or JSON mapping from a file on the target and merges it into the target's args cache: " +
    'mappings merge recursively and lists are appended, so loading a file twice appends to its lists.',
  args: Type.Object({
    cachefile: Type.String({
      'x-argv': 'rest',
      'x-metavar': 'PATH',
      minLength: 1,
      title: 'File',
      description: 'Path of a YAML or JSON file on the target, holding a mapping of arguments.',
    }),
  }),
  cacheable: false,
  requiresLock: true,
  lockName: 'cachefile',
  async run(ctx, fields) {
    const path = stringField(fields, 'cachefile');
    let text: string;
    try {
      text = await ctx.files.readText(path);
    } catch (error) {
      return failure(ctx, `CACHEFILE: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = parseCacheFile(text);
    if (!parsed.ok) return failure(ctx, `CACHEFILE: cannot parse ${path}: ${parsed.message}`);
    const value = parsed.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return failure(ctx, `CACHEFILE: ${path} must hold a mapping of arguments, got ${describe(value)}`);
    }
    ctx.cache.setArgs(value as Record<string, unknown>, { extend: true });
    ctx.write('stdout', 'Cache file loaded\n');
    return { ok: true, info: path };
  },
});
