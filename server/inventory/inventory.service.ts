/**
 * The inventory: declared hosts, groups, labels and vars (kept in memory, written through the
 * store), merged with the agents the registry knows into the snapshot patterns resolve against.
 * Every edit and import is one unit of work: checked on a copy, diffed, written, then swapped in.
 */
import type { AgentInfo } from '../../protocol/agents.js';
import { indexInventory, resolvePatterns, type InventoryIndex } from '../../protocol/inventory/resolve.js';
import type { InventoryHost, InventorySnapshot, PatternResolution } from '../../protocol/inventory/types.js';
import type { InventoryChanges, InventoryExport, InventoryImport, InventoryOp } from '../../protocol/inventory/wire.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { Store } from '../store/types.js';
import { applyOps } from './edit.js';
import { exportJson, exportYaml, parseInventoryFile } from './formats/index.js';
import { checkModel, cloneModel, diffModels, mergeParsed, modelFromRows, type Model } from './model.js';

export type InventoryServiceDeps = Readonly<{
  store: Pick<Store, 'inventory' | 'transaction'>;
  agents: () => readonly AgentInfo[];
  clock: () => number;
  log: Logger;
  /** After an edit or import changed something (the console refreshes). */
  changed?: (changes: InventoryChanges) => void;
}>;

export type InventoryService = Awaited<ReturnType<typeof createInventoryService>>;

export async function createInventoryService(deps: InventoryServiceDeps) {
  let model: Model = modelFromRows(await deps.store.inventory.load());
  // Submissions resolve against this; an edit, an import or an agent change drops it.
  let cached: InventoryIndex | null = null;

  function snapshot(): InventorySnapshot {
    const hosts = new Map<string, InventoryHost>();
    for (const a of deps.agents()) {
      const d = model.hosts.get(a.identity);
      hosts.set(a.identity, {
        name: a.identity,
        labels: d?.labels ?? {},
        vars: d?.vars ?? {},
        facts: a.facts as unknown as Record<string, unknown>,
        online: a.online && !a.revoked,
        enrolled: true,
        ssh: d?.ssh ?? null,
      });
    }
    for (const d of model.hosts.values()) {
      if (!hosts.has(d.name))
        hosts.set(d.name, { name: d.name, labels: d.labels, vars: d.vars, facts: null, online: false, enrolled: false, ssh: d.ssh });
    }
    return {
      hosts: [...hosts.values()],
      groups: [...model.groups.values()].map((g) => ({ name: g.name, hosts: [...g.hosts], children: [...g.children], vars: g.vars })),
    };
  }

  async function commit(next: Model): Promise<Result<InventoryChanges>> {
    const checked = checkModel(next);
    if (!checked.ok) return checked;
    const { changes, write } = diffModels(model, next);
    await deps.store.transaction((tx) => write(tx.inventory));
    model = next;
    cached = null;
    const n = (o: InventoryChanges['hosts']) => o.added.length + o.changed.length + o.removed.length;
    if (n(changes.hosts) + n(changes.groups)) deps.changed?.(changes);
    return ok(changes);
  }

  const isAgent = (name: string) => deps.agents().some((a) => a.identity === name);

  return {
    snapshot,
    index: (): InventoryIndex => (cached ??= indexInventory(snapshot())),
    /** An agent appeared, changed facts or presence. */
    invalidate(): void {
      cached = null;
    },
    resolve(patterns: readonly string[]): Result<PatternResolution> {
      return resolvePatterns(patterns, (cached ??= indexInventory(snapshot())));
    },
    edit(ops: readonly InventoryOp[]): Promise<Result<InventoryChanges>> {
      const next = cloneModel(model);
      const applied = applyOps(next, ops, deps.clock(), isAgent);
      return applied.ok ? commit(next) : Promise.resolve(applied);
    },
    import(request: InventoryImport): Promise<Result<InventoryChanges>> {
      const parsed = parseInventoryFile(request.fileName, request.text, request.format ?? 'auto');
      if (!parsed.ok) return Promise.resolve(parsed);
      const next: Model = request.replace ? { hosts: new Map(), groups: new Map() } : cloneModel(model);
      mergeParsed(next, parsed.value, deps.clock());
      deps.log.info('inventory import', {
        file: request.fileName,
        hosts: parsed.value.hosts.size,
        groups: parsed.value.groups.size,
        replace: request.replace === true,
      });
      return commit(next);
    },
    export(request: InventoryExport): Result<{ format: 'yaml' | 'json'; text: string }> {
      const format = request.format ?? 'yaml';
      if (format !== 'yaml' && format !== 'json')
        return fail('invalid-payload', `unknown export format ${String(format)}; expected yaml or json`);
      return ok({ format, text: format === 'yaml' ? exportYaml(snapshot()) : exportJson(snapshot()) });
    },
  };
}
