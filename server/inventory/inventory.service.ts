/**
 * The inventory: declared hosts, groups, labels and vars (kept in memory, written through the
 * store), merged with the agents the registry knows into the snapshot patterns resolve against.
 * Every edit and import is one unit of work: checked on a copy, diffed, written, then swapped in.
 */
import type { AgentInfo } from '../../protocol/agents.js';
import { indexInventory, naturalCompare, resolvePatterns, selectHosts, type InventoryIndex } from '../../protocol/inventory/resolve.js';
import { cycleMessage, smartCycle } from '../../protocol/inventory/smart.js';
import type { InventoryHost, InventorySnapshot, PatternResolution } from '../../protocol/inventory/types.js';
import type { InventoryChanges, InventoryExport, InventoryImport, InventoryOp, SmartGroupInfo } from '../../protocol/inventory/wire.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { Store } from '../store/types.js';
import { applyOps } from './edit.js';
import { exportJson, exportYaml, parseInventoryFile } from './formats/index.js';
import { checkModel, cloneModel, diffModels, emptyModel, mergeParsed, modelFromRows, setSmart, type Model } from './model.js';

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
      smartGroups: [...model.smart.values()]
        .sort((a, b) => naturalCompare(a.name, b.name))
        .map((g) => ({ name: g.name, pattern: g.pattern })),
    };
  }

  async function commit(next: Model): Promise<Result<InventoryChanges>> {
    const checked = checkModel(next, isAgent, model);
    if (!checked.ok) return checked;
    const { changes, write } = diffModels(model, next);
    await deps.store.transaction((tx) => write(tx.inventory));
    model = next;
    cached = null;
    const n = (o: InventoryChanges['hosts']) => o.added.length + o.changed.length + o.removed.length;
    if (n(changes.hosts) + n(changes.groups) + (changes.smartGroups ? n(changes.smartGroups) : 0)) deps.changed?.(changes);
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
      const next: Model = request.replace ? emptyModel() : cloneModel(model);
      mergeParsed(next, parsed.value, deps.clock());
      deps.log.info('inventory import', {
        file: request.fileName,
        hosts: parsed.value.hosts.size,
        groups: parsed.value.groups.size,
        replace: request.replace === true,
      });
      return commit(next);
    },
    /** Every smart group with what it matches now (a broken one says why instead of failing the list). */
    smartGroups(): SmartGroupInfo[] {
      const index = (cached ??= indexInventory(snapshot()));
      return [...model.smart.values()]
        .sort((a, b) => naturalCompare(a.name, b.name))
        .map((g) => {
          const r = selectHosts(g.name, index);
          if (!r.ok) return { name: g.name, pattern: g.pattern, matches: 0, offline: 0, error: r.error.message };
          const offline = r.value.filter((h) => !index.hosts.get(h)?.online).length;
          return { name: g.name, pattern: g.pattern, matches: r.value.length, offline };
        });
    },
    /** Saves a smart group: refused (nothing kept) on a name clash, a bad pattern or a cycle. */
    saveSmartGroup(name: string, pattern: string): Promise<Result<InventoryChanges>> {
      const next = cloneModel(model);
      setSmart(next, name, pattern.trim(), deps.clock());
      // A cycle is named from the smart group being saved (commit's check would start from the first name).
      const cycle = smartCycle(new Map([...next.smart.values()].map((g) => [g.name, g.pattern])), name);
      if (cycle) return Promise.resolve(fail('conflict', cycleMessage(cycle), { details: { cycle } }));
      return commit(next);
    },
    removeSmartGroup(name: string): Promise<Result<InventoryChanges>> {
      if (!model.smart.has(name)) {
        return Promise.resolve(
          fail(
            'not-found',
            `no smart group is named ${name}` +
              (model.smart.size ? ` (there are: ${[...model.smart.keys()].sort(naturalCompare).join(', ')})` : ''),
          ),
        );
      }
      const next = cloneModel(model);
      next.smart.delete(name);
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
