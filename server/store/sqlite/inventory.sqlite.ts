/** SQL for the inventory tables (see migration 0008). The inventory service keeps a copy in memory. */
import type { SshAddress } from '../../../protocol/inventory/types.js';
import { parseJsonObject } from '../../util/json.js';
import type { InventoryGroupRow, InventoryHostRow, InventoryStore, InventoryWrites } from '../types.js';
import type { Db } from './open.js';

type SqlHost = { name: string; labels: string; vars: string; ssh: string | null; declared_at: number };
type SqlGroup = { name: string; vars: string; created_at: number };

export function createInventorySql(db: Db): { store: InventoryStore; writes: InventoryWrites } {
  const hosts = db.prepare<[], SqlHost>('SELECT * FROM inventory_hosts ORDER BY name');
  const groups = db.prepare<[], SqlGroup>('SELECT * FROM inventory_groups ORDER BY name');
  const members = db.prepare<[], { group_name: string; host: string }>(
    'SELECT group_name, host FROM inventory_group_hosts ORDER BY group_name, host',
  );
  const children = db.prepare<[], { parent: string; child: string }>(
    'SELECT parent, child FROM inventory_group_children ORDER BY parent, child',
  );
  const putHost = db.prepare(`
    INSERT INTO inventory_hosts (name, labels, vars, ssh, declared_at) VALUES (@name, @labels, @vars, @ssh, @declared_at)
    ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, vars = excluded.vars, ssh = excluded.ssh`);
  const removeHost = db.prepare('DELETE FROM inventory_hosts WHERE name = ?');
  const removeHostMemberships = db.prepare('DELETE FROM inventory_group_hosts WHERE host = ?');
  const putGroup = db.prepare(`
    INSERT INTO inventory_groups (name, vars, created_at) VALUES (@name, @vars, @created_at)
    ON CONFLICT (name) DO UPDATE SET vars = excluded.vars`);
  const removeGroup = db.prepare('DELETE FROM inventory_groups WHERE name = ?');
  const addMember = db.prepare('INSERT INTO inventory_group_hosts (group_name, host) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const removeMember = db.prepare('DELETE FROM inventory_group_hosts WHERE group_name = ? AND host = ?');
  const addChild = db.prepare('INSERT INTO inventory_group_children (parent, child) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const removeChild = db.prepare('DELETE FROM inventory_group_children WHERE parent = ? AND child = ?');
  const clear = ['inventory_group_children', 'inventory_group_hosts', 'inventory_groups', 'inventory_hosts'].map((t) =>
    db.prepare(`DELETE FROM ${t}`),
  );

  const store: InventoryStore = {
    async load() {
      const byGroup = new Map<string, { hosts: string[]; children: string[] }>();
      const of = (g: string) => byGroup.get(g) ?? byGroup.set(g, { hosts: [], children: [] }).get(g)!;
      for (const m of members.all()) of(m.group_name).hosts.push(m.host);
      for (const c of children.all()) of(c.parent).children.push(c.child);
      return {
        hosts: hosts.all().map((r): InventoryHostRow => ({
          name: r.name,
          labels: parseJsonObject(r.labels) as Record<string, string>,
          vars: parseJsonObject(r.vars),
          ssh: r.ssh ? (parseJsonObject(r.ssh) as SshAddress) : null,
          declaredAt: r.declared_at,
        })),
        groups: groups.all().map((r): InventoryGroupRow => ({
          name: r.name,
          vars: parseJsonObject(r.vars),
          createdAt: r.created_at,
          hosts: of(r.name).hosts,
          children: of(r.name).children,
        })),
      };
    },
  };
  const writes: InventoryWrites = {
    putHost(row) {
      putHost.run({
        name: row.name,
        labels: JSON.stringify(row.labels),
        vars: JSON.stringify(row.vars),
        ssh: row.ssh ? JSON.stringify(row.ssh) : null,
        declared_at: row.declaredAt,
      });
    },
    removeHost(name) {
      removeHostMemberships.run(name);
      removeHost.run(name);
    },
    putGroup(name, vars, createdAt) {
      putGroup.run({ name, vars: JSON.stringify(vars), created_at: createdAt });
    },
    removeGroup: (name) => void removeGroup.run(name),
    addMember: (group, host) => void addMember.run(group, host),
    removeMember: (group, host) => void removeMember.run(group, host),
    addChild: (parent, child) => void addChild.run(parent, child),
    removeChild: (parent, child) => void removeChild.run(parent, child),
    clear() {
      for (const s of clear) s.run();
    },
  };
  return { store, writes };
}
