/**
 * The server's user components (issue #4, spec 5): every `*.js` / `*.mjs` module in the
 * components dir (`--components-dir`, default DATA_DIR/components/). Each file is hashed
 * (SHA3-224 of its content); the dir is re-scanned before each submission and `server:info`
 * (cheap: a file is re-read only when its size or mtime changed), so an edited file is picked
 * up with a new hash, re-imported, and shipped again to agents on its next use.
 * Built-in verbs win over user components of the same name (as in Directord).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component } from '../../components/define.js';
import { componentManifest } from '../../components/registry.js';
import { componentFromModule } from '../../components/user.js';
import type { ComponentManifest } from '../../protocol/agents.js';
import type { Logger } from '../../protocol/log.js';

export type UserComponent = Readonly<{
  verb: string;
  hash: string;
  source: string;
  file: string;
  component: Component;
  manifest: ComponentManifest;
}>;

type Scanned = { size: number; mtimeMs: number; hash: string; loaded: UserComponent | null };

export type UserComponents = ReturnType<typeof createUserComponents>;

export function createUserComponents(
  options: Readonly<{
    dir: string;
    builtinVerbs: ReadonlySet<string>;
    log: Logger;
    /** Imports a module by file URL; without it user components are off (the dir is not read). */
    importModule?: (url: string) => Promise<unknown>;
  }>,
) {
  const { dir, log } = options;
  const files = new Map<string, Scanned>();
  let byVerb = new Map<string, UserComponent>();
  let scanning: Promise<void> | null = null;

  const importModule = options.importModule;
  async function load(file: string, source: string, hash: string): Promise<UserComponent | null> {
    if (!importModule) return null;
    try {
      // A new URL per content: an edited file is imported afresh, not served from the module cache.
      const namespace = await importModule(`${pathToFileURL(file).href}?sha3=${hash}`);
      const component = componentFromModule(namespace, file);
      return { verb: component.verb, hash, source, file, component, manifest: componentManifest(component, { hash }) };
    } catch (error) {
      log.error('user component not loaded', { file, error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }

  async function scan(): Promise<void> {
    if (!importModule) return;
    const names = existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => /\.m?js$/.test(n))
          .sort()
      : [];
    const seen = new Set<string>();
    for (const name of names) {
      const file = join(dir, name);
      seen.add(file);
      let stat;
      try {
        stat = statSync(file);
      } catch {
        continue;
      }
      if (!stat.isFile()) continue;
      const known = files.get(file);
      if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) continue;
      const source = readFileSync(file, 'utf8');
      const hash = createHash('sha3-224').update(source).digest('hex');
      if (known && known.hash === hash) {
        known.size = stat.size;
        known.mtimeMs = stat.mtimeMs;
        continue;
      }
      const loaded = await load(file, source, hash);
      files.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, hash, loaded });
      if (loaded) log.info(known ? 'user component changed' : 'user component loaded', { verb: loaded.verb, file, hash });
    }
    for (const file of [...files.keys()]) if (!seen.has(file)) files.delete(file);
    const next = new Map<string, UserComponent>();
    for (const { loaded } of files.values()) {
      if (!loaded) continue;
      if (options.builtinVerbs.has(loaded.verb)) {
        log.warn('user component ignored: a built-in component has its verb', { verb: loaded.verb, file: loaded.file });
        continue;
      }
      if (next.has(loaded.verb)) {
        log.warn('user component ignored: another file defines its verb', {
          verb: loaded.verb,
          file: loaded.file,
          kept: next.get(loaded.verb)?.file,
        });
        continue;
      }
      next.set(loaded.verb, loaded);
    }
    byVerb = next;
  }

  return {
    dir,
    /** Re-scans the dir (concurrent calls share one scan). */
    refresh(): Promise<void> {
      scanning ??= scan().finally(() => {
        scanning = null;
      });
      return scanning;
    },
    get: (verb: string): UserComponent | undefined => byVerb.get(verb),
    verbs: (): string[] => [...byVerb.keys()].sort(),
    manifests: (): ComponentManifest[] => [...byVerb.values()].map((u) => u.manifest),
  };
}
