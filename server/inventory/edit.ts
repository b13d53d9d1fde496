/** Applies console/CLI edits to a copy of the model; the first bad op is the error and nothing is kept. */
import { parse as parseYaml } from 'yaml';
import type { InventoryOp } from '../../protocol/inventory/wire.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { ensureGroup, ensureHost, isImplicit, sshOf, type Model } from './model.js';

function yamlMapping(text: string, where: string): Result<Record<string, unknown>> {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    return fail(
      'invalid-payload',
      `${where}: the vars are not valid YAML${line ? ` (line ${line})` : ''}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('invalid-payload', `${where}: expected a mapping of var names to values`);
  return ok(value as Record<string, unknown>);
}

export function applyOps(m: Model, ops: readonly InventoryOp[], now: number, isAgent: (name: string) => boolean): Result<null> {
  for (const [i, op] of ops.entries()) {
    const where = `ops[${i}] (${op.op})`;
    switch (op.op) {
      case 'add-host': {
        const h = ensureHost(m, op.name, now);
        if (op.labels) Object.assign(h.labels, op.labels);
        if (op.vars) Object.assign(h.vars, op.vars);
        h.ssh = op.ssh ?? sshOf(h.name, h.vars) ?? h.ssh;
        break;
      }
      case 'remove-host':
        if (!m.hosts.has(op.name))
          return fail(
            'not-found',
            `${where}: no declared host is named ${op.name}` + (isAgent(op.name) ? ' (it is an agent: revoke it instead)' : ''),
          );
        m.hosts.delete(op.name);
        for (const g of m.groups.values()) g.hosts.delete(op.name);
        break;
      case 'add-group': {
        const g = ensureGroup(m, op.name, now);
        if (op.vars) Object.assign(g.vars, op.vars);
        break;
      }
      case 'remove-group':
        if (!m.groups.delete(op.name)) return fail('not-found', `${where}: no group is named ${op.name}`);
        for (const g of m.groups.values()) g.children.delete(op.name);
        break;
      case 'add-to-group': {
        if (isImplicit(op.group)) return fail('invalid-payload', `${where}: ${op.group} holds every host by itself; it takes vars only`);
        const g = ensureGroup(m, op.group, now);
        for (const h of op.hosts ?? []) {
          if (!m.hosts.has(h) && !isAgent(h)) ensureHost(m, h, now);
          g.hosts.add(h);
        }
        for (const c of op.children ?? []) {
          if (c === op.group) return fail('conflict', `${where}: a group cannot be its own child`);
          if (isImplicit(c)) return fail('invalid-payload', `${where}: ${c} cannot be a child group`);
          ensureGroup(m, c, now);
          g.children.add(c);
        }
        break;
      }
      case 'remove-from-group': {
        const g = m.groups.get(op.group);
        if (!g) return fail('not-found', `${where}: no group is named ${op.group}`);
        for (const h of op.hosts ?? []) g.hosts.delete(h);
        for (const c of op.children ?? []) g.children.delete(c);
        break;
      }
      case 'set-label':
        for (const name of op.hosts) {
          if (!m.hosts.has(name) && !isAgent(name)) return fail('not-found', `${where}: no host is named ${name}; add it first`);
          const h = ensureHost(m, name, now);
          if (op.value === null) delete h.labels[op.key];
          else h.labels[op.key] = op.value;
        }
        break;
      case 'set-vars':
      case 'set-var': {
        const owner = 'host' in op.owner ? op.owner.host : op.owner.group;
        let target: Record<string, unknown>;
        if ('host' in op.owner) {
          if (!m.hosts.has(owner) && !isAgent(owner)) return fail('not-found', `${where}: no host is named ${owner}`);
          target = ensureHost(m, owner, now).vars;
        } else {
          const g = m.groups.get(owner) ?? (isImplicit(owner) ? ensureGroup(m, owner, now) : undefined);
          if (!g) return fail('not-found', `${where}: no group is named ${owner}`);
          target = g.vars;
        }
        if (op.op === 'set-vars') {
          const vars = op.yaml !== undefined ? yamlMapping(op.yaml, `${where} ${owner}`) : ok(op.vars ?? {});
          if (!vars.ok) return vars;
          for (const k of Object.keys(target)) delete target[k];
          Object.assign(target, vars.value);
        } else if (op.value === undefined) delete target[op.key];
        else target[op.key] = op.value;
        if ('host' in op.owner) {
          const h = ensureHost(m, owner, now);
          h.ssh = sshOf(owner, h.vars);
        }
        break;
      }
    }
  }
  return ok(null);
}
