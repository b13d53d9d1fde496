/**
 * `directord inventory import FILE [--replace] | list [PATTERN] | export [--format yaml|json] |
 * group … | label … | var …` (issue #16). Output is plain text scripts can read: import prints
 * what it added, changed and removed; list prints a table of hosts with groups, labels and state.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { indexInventory, resolvePattern } from '../../protocol/inventory/resolve.js';
import type { InventorySnapshot } from '../../protocol/inventory/types.js';
import type { InventoryChanges, InventoryOp } from '../../protocol/inventory/wire.js';
import { REQUEST_TIMEOUT_MS, unwrap } from '../connection.js';
import { type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { line, write } from '../output.js';
import { withServer } from '../server-session.js';

function printChanges(c: InventoryChanges): void {
  const part = (what: string, names: readonly string[]) => (names.length ? `${names.length} ${what} (${names.join(', ')})` : `0 ${what}`);
  line(`hosts: ${part('added', c.hosts.added)}, ${part('changed', c.hosts.changed)}, ${part('removed', c.hosts.removed)}`);
  line(`groups: ${part('added', c.groups.added)}, ${part('changed', c.groups.changed)}, ${part('removed', c.groups.removed)}`);
}

/** A table of hosts: name, direct groups, labels, state (online / offline / not enrolled). */
export function renderInventoryList(snapshot: InventorySnapshot, hosts: readonly string[]): string {
  const index = indexInventory(snapshot);
  const rows = hosts.map((h) => {
    const host = index.hosts.get(h);
    const labels = Object.entries(host?.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const state = !host?.enrolled ? 'not enrolled' : host.online ? 'online' : 'offline';
    return [h, [...index.groupsOf(h)].sort().join(',') || '-', labels || '-', state];
  });
  const table = [['HOST', 'GROUPS', 'LABELS', 'STATE'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

function scalar(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

const usage = (message: string) => new CliError(message, EXIT.usage);

/** `group|label|var` words → edit ops. */
export function editOps(kind: 'group' | 'label' | 'var', words: readonly string[]): InventoryOp[] {
  const [action, ...rest] = words;
  if (kind === 'group') {
    const [group, ...names] = rest;
    if (!group) throw usage('usage: directord inventory group add|remove|create|delete GROUP [HOST…] [--children GROUP…]');
    const children = names.includes('--children') ? names.slice(names.indexOf('--children') + 1) : [];
    const hosts = names.includes('--children') ? names.slice(0, names.indexOf('--children')) : names;
    switch (action) {
      case 'create':
        return [{ op: 'add-group', name: group }];
      case 'delete':
        return [{ op: 'remove-group', name: group }];
      case 'add':
        return [{ op: 'add-to-group', group, hosts, children }];
      case 'remove':
        return [{ op: 'remove-from-group', group, hosts, children }];
    }
    throw usage(`inventory group: unknown action ${JSON.stringify(action ?? '')}; expected add, remove, create or delete`);
  }
  if (kind === 'label') {
    const [assignment, ...hosts] = rest;
    if (action === 'set' && assignment?.includes('=') && hosts.length) {
      const [key, ...value] = assignment.split('=');
      return [{ op: 'set-label', hosts, key: key ?? '', value: value.join('=') }];
    }
    if (action === 'remove' && assignment && hosts.length) return [{ op: 'set-label', hosts, key: assignment, value: null }];
    throw usage('usage: directord inventory label set KEY=VALUE HOST… | label remove KEY HOST…');
  }
  const [ownerKind, owner, key, ...value] = rest;
  if ((ownerKind !== 'host' && ownerKind !== 'group') || !owner || !key)
    throw usage('usage: directord inventory var set host|group NAME KEY VALUE | var unset host|group NAME KEY');
  const who = ownerKind === 'host' ? { host: owner } : { group: owner };
  if (action === 'set' && value.length) return [{ op: 'set-var', owner: who, key, value: scalar(value.join(' ')) }];
  if (action === 'unset') return [{ op: 'set-var', owner: who, key }];
  throw usage('usage: directord inventory var set host|group NAME KEY VALUE | var unset host|group NAME KEY');
}

export type InventoryOptions = Readonly<{ replace?: boolean; format?: string }>;

export async function runInventory(action: string, args: readonly string[], options: InventoryOptions, ctx: CliContext): Promise<number> {
  switch (action) {
    case 'import': {
      const [file] = args;
      if (!file || args.length !== 1) throw usage('usage: directord inventory import FILE [--replace]');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, EXIT.usage);
      }
      const changes = await withServer(ctx, async (c) =>
        unwrap(
          await c.request('inventory:import', REQUEST_TIMEOUT_MS, {
            fileName: basename(file),
            text,
            ...(options.replace ? { replace: true } : {}),
          }),
          `Importing ${file} failed`,
        ),
      );
      printChanges(changes);
      return EXIT.ok;
    }
    case 'list': {
      if (args.length > 1) throw usage("usage: directord inventory list [PATTERN] (quote a pattern with ! or *: 'web:!web-3')");
      const snapshot = await withServer(ctx, async (c) =>
        unwrap(await c.request('inventory:get', REQUEST_TIMEOUT_MS), 'Reading the inventory failed'),
      );
      const pattern = args[0] ?? 'all';
      const r = resolvePattern(pattern, snapshot);
      if (!r.ok) {
        if (pattern === 'all') throw new CliError('No data found', EXIT.failure);
        throw new CliError(r.error.message, EXIT.failure);
      }
      write(renderInventoryList(snapshot, r.value.hosts));
      return EXIT.ok;
    }
    case 'export': {
      const format = options.format ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') throw usage(`--format: expected yaml or json, not ${JSON.stringify(format)}`);
      const out = await withServer(ctx, async (c) =>
        unwrap(await c.request('inventory:export', REQUEST_TIMEOUT_MS, { format }), 'Exporting the inventory failed'),
      );
      write(out.text);
      return EXIT.ok;
    }
    case 'group':
    case 'label':
    case 'var': {
      const ops = editOps(action, args);
      printChanges(
        await withServer(ctx, async (c) =>
          unwrap(await c.request('inventory:edit', REQUEST_TIMEOUT_MS, { ops }), `inventory ${action} failed`),
        ),
      );
      return EXIT.ok;
    }
  }
  throw usage(`inventory: unknown action ${JSON.stringify(action)}; expected import, list, export, group, label or var`);
}
