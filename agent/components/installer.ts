/**
 * User components on the agent (issue #4): the server sends a module's source with
 * `component:install` before the first job that needs it; it is written to
 * CACHE_DIR/components/<sha3-224>.mjs, imported, checked (its verb must be the announced one) and
 * registered. CACHE_DIR/components/index.json (verb → hash) brings them back after a restart, and
 * `agent:hello` announces them (manifest `hash`), so a reconnect does not ship them again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component } from '../../components/define.js';
import { componentManifest } from '../../components/registry.js';
import { componentFromModule } from '../../components/user.js';
import type { ComponentManifest } from '../../protocol/agents.js';
import { ComponentInstallSchema } from '../../protocol/blobs.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';

const installValidator = compileValidator(ComponentInstallSchema);

export type ComponentInstaller = Readonly<{
  /** Loads what index.json lists (at start). */
  restore(): Promise<void>;
  install(payload: unknown): Promise<Result<{ verb: string; hash: string }>>;
  /** Manifests of the installed user components (with their hash). */
  manifests(): ComponentManifest[];
}>;

export function createComponentInstaller(
  options: Readonly<{ cacheDir: string; components: Map<string, Component>; builtinVerbs: ReadonlySet<string>; log: Logger }>,
): ComponentInstaller {
  const dir = join(options.cacheDir, 'components');
  const indexFile = join(dir, 'index.json');
  const { components, log } = options;
  const hashes = new Map<string, string>();

  const saveIndex = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${indexFile}.tmp`, JSON.stringify(Object.fromEntries(hashes), null, 2) + '\n', { mode: 0o600 });
    renameSync(`${indexFile}.tmp`, indexFile);
  };

  async function load(verb: string, hash: string): Promise<Component> {
    const file = join(dir, `${hash}.mjs`);
    const url = pathToFileURL(file).href;
    const component = componentFromModule(await import(url), `user component ${verb} (${hash})`);
    if (component.verb !== verb) throw new Error(`the module defines ${component.verb}, not ${verb}`);
    return component;
  }

  return {
    async restore() {
      if (!existsSync(indexFile)) return;
      let index: Record<string, unknown>;
      try {
        index = JSON.parse(readFileSync(indexFile, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        log.warn('user component index unreadable; components will be shipped again', { error: String(error) });
        return;
      }
      for (const [verb, hash] of Object.entries(index)) {
        if (typeof hash !== 'string' || !/^[0-9a-f]{56}$/.test(hash) || options.builtinVerbs.has(verb)) continue;
        try {
          components.set(verb, await load(verb, hash));
          hashes.set(verb, hash);
        } catch (error) {
          log.warn('user component not restored', { verb, hash, error: error instanceof Error ? error.message : String(error) });
        }
      }
    },
    async install(payload) {
      const parsed = installValidator.parse(payload, 'component:install');
      if (!parsed.ok) return parsed;
      const { verb, hash, source } = parsed.value;
      if (options.builtinVerbs.has(verb)) return fail('conflict', `${verb} is a built-in component of this agent`);
      const actual = createHash('sha3-224').update(source).digest('hex');
      if (actual !== hash) return fail('invalid-payload', `component:install: the source of ${verb} hashes to ${actual}, not ${hash}`);
      if (hashes.get(verb) === hash) return ok({ verb, hash });
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const file = join(dir, `${hash}.mjs`);
        if (!existsSync(file)) {
          writeFileSync(`${file}.tmp`, source, { mode: 0o600 });
          renameSync(`${file}.tmp`, file);
        }
        components.set(verb, await load(verb, hash));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error('user component install failed', { verb, hash, error: message });
        return fail('invalid-job', `cannot load user component ${verb}: ${message}`);
      }
      hashes.set(verb, hash);
      saveIndex();
      log.info('user component installed', { verb, hash });
      return ok({ verb, hash });
    },
    manifests: () =>
      [...hashes].flatMap(([verb, hash]) => {
        const c = components.get(verb);
        return c ? [componentManifest(c, { hash })] : [];
      }),
  };
}
