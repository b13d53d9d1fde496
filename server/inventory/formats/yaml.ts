/**
 * Ansible's YAML inventory (`all: {hosts, children, vars}`, any group at the top, nested
 * children, ranges in host keys) and Directord's bootstrap catalogs (`directord_server`,
 * `directord_clients` with `targets: [{host, port, username, name}]`). Errors name the line.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { ParsedInventory } from '../model.js';
import { emptyParsed } from '../model.js';
import { checkGroup, checkHost, expandRange, groupOf, hostOf, InventoryFileError, takeLabels } from './common.js';

type Ctx = { file: string; lines: LineCounter };

const lineOf = (ctx: Ctx, node: unknown) => {
  const range = (node as Node | null)?.range;
  return range ? ctx.lines.linePos(range[0]).line : null;
};

function load(text: string, file: string): { ctx: Ctx; root: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw new InventoryFileError(file, error.linePos?.[0]?.line ?? null, `not valid YAML: ${error.message.split('\n')[0]}`);
  return { ctx: { file, lines }, root: doc.contents };
}

function mapping(ctx: Ctx, node: unknown, what: string): YAMLMap | null {
  if (node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) return null;
  if (!isMap(node)) throw new InventoryFileError(ctx.file, lineOf(ctx, node), `${what}: expected a mapping`);
  return node;
}

function plain(ctx: Ctx, node: unknown, what: string): Record<string, unknown> {
  const m = mapping(ctx, node, what);
  return m ? (m.toJSON() as Record<string, unknown>) : {};
}

const KEYS = new Set(['hosts', 'children', 'vars']);

function group(ctx: Ctx, p: ParsedInventory, name: string, node: unknown, line: number | null): void {
  checkGroup(name, ctx.file, line);
  const g = groupOf(p, name);
  const m = mapping(ctx, node, `group ${name}`);
  if (!m) return;
  for (const pair of m.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const at = lineOf(ctx, pair.key);
    if (!KEYS.has(key))
      throw new InventoryFileError(ctx.file, at, `group ${name}: unexpected key "${key}"; expected hosts, children or vars`);
    if (key === 'vars') Object.assign(g.vars, plain(ctx, pair.value, `${name}.vars`));
    else if (key === 'hosts') {
      for (const h of mapping(ctx, pair.value, `${name}.hosts`)?.items ?? []) {
        const hostLine = lineOf(ctx, h.key);
        const pattern = isScalar(h.key) ? String(h.key.value) : '';
        const vars = plain(ctx, h.value, `host ${pattern}`);
        const labels = takeLabels(ctx.file, hostLine, pattern, vars);
        for (const hostName of expandRange(pattern, ctx.file, hostLine)) {
          const host = hostOf(p, checkHost(hostName, ctx.file, hostLine));
          Object.assign(host.vars, vars);
          if (labels) host.labels = { ...host.labels, ...labels };
          g.hosts.push(hostName);
        }
      }
    } else {
      for (const c of mapping(ctx, pair.value, `${name}.children`)?.items ?? []) {
        const child = isScalar(c.key) ? String(c.key.value) : '';
        g.children.push(child);
        group(ctx, p, child, c.value, lineOf(ctx, c.key));
      }
    }
  }
}

export function parseAnsibleYaml(text: string, file: string): ParsedInventory {
  const { ctx, root } = load(text, file);
  const p = emptyParsed();
  for (const pair of mapping(ctx, root, 'the inventory')?.items ?? []) {
    group(ctx, p, isScalar(pair.key) ? String(pair.key.value) : '', pair.value, lineOf(ctx, pair.key));
  }
  // Hosts written straight under `all` are ungrouped: `all` itself holds every host implicitly.
  return p;
}

export function isDirectordCatalog(text: string): boolean {
  return /^directord_(server|clients)\s*:/m.test(text);
}

export function parseDirectordCatalog(text: string, file: string): ParsedInventory {
  const { ctx, root } = load(text, file);
  const p = emptyParsed();
  const top = mapping(ctx, root, 'the catalog');
  for (const section of ['directord_server', 'directord_clients'] as const) {
    const node = top?.get(section, true);
    if (node === undefined) continue;
    const sec = mapping(ctx, node, section);
    const args = plain(ctx, sec?.get('args', true), `${section}.args`);
    const targets = sec?.get('targets', true) as Node | undefined;
    const list = targets ? (targets.toJSON() as unknown) : [];
    if (!Array.isArray(list))
      throw new InventoryFileError(file, lineOf(ctx, targets), `${section}.targets: expected a list of {host, port, username, name}`);
    const g = groupOf(p, section);
    for (const [i, t] of list.flat(4).entries()) {
      const at = lineOf(ctx, (targets as unknown as { items?: unknown[] }).items?.[i]) ?? lineOf(ctx, targets);
      if (typeof t !== 'object' || t === null || typeof (t as { host?: unknown }).host !== 'string') {
        throw new InventoryFileError(file, at, `${section}.targets[${i}]: expected {host, port?, username?, name?}`);
      }
      const target = t as { host: string; port?: unknown; username?: unknown; name?: unknown };
      const name = checkHost(typeof target.name === 'string' && target.name ? target.name : target.host, file, at);
      const port = target.port ?? args['port'];
      const user = target.username ?? args['username'];
      hostOf(p, name).vars = {
        ansible_host: target.host,
        ...(port !== undefined ? { ansible_port: Number(port) } : {}),
        ...(typeof user === 'string' ? { ansible_user: user } : {}),
      };
      g.hosts.push(name);
    }
  }
  return p;
}
