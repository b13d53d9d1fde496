/**
 * Directord's bootstrap catalogs (spec 2.3): YAML with `directord_server` and `directord_clients`,
 * each with `targets` ({host, port?, username?, name?; our additions key_file?, prefix?}), optional `args`
 * ({port, username} defaults) and `jobs` (RUN / ADD / GET entries; nested lists are flattened).
 * Several catalogs are deep-merged in order (mappings merge, lists are concatenated, later scalars
 * win). Errors name the file and the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { BootstrapHost, CatalogJob } from './engine.js';
import { BootstrapError } from './failures.js';

export type { CatalogJob };

export type CatalogTarget = Readonly<{
  host: string;
  port: number;
  username: string;
  name?: string;
  /** A private key for this target only (our addition; default: the --key-file / ssh-agent). */
  keyFile?: string;
  /** Install folder for this target only (our addition; default: --prefix). */
  prefix?: string;
}>;

export type CatalogSection = Readonly<{ targets: readonly CatalogTarget[]; jobs: readonly CatalogJob[] }>;

export type Catalog = Readonly<{
  /** The merged YAML, the variables every command is rendered with. */
  data: Readonly<Record<string, unknown>>;
  server: CatalogSection | null;
  clients: CatalogSection | null;
  /** Where relative ADD sources are looked up: each catalog's folder, then the working directory. */
  sourceDirs: readonly string[];
}>;

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Directord's merge: mappings recursively, lists appended, anything else replaced. */
export function deepMerge(base: Plain, next: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(next)) {
    const prev = out[key];
    if (isPlain(prev) && isPlain(value)) out[key] = deepMerge(prev, value);
    else if (Array.isArray(prev) && Array.isArray(value)) out[key] = [...(prev as unknown[]), ...(value as unknown[])];
    else out[key] = value;
  }
  return out;
}

function bad(where: string, message: string): BootstrapError {
  return new BootstrapError(
    'bad-input',
    `${where}: ${message}`,
    'Fix the catalog (spec: directord_server / directord_clients with targets, args and jobs).',
  );
}

function flatten(items: unknown[]): unknown[] {
  return items.flatMap((item) => (Array.isArray(item) ? flatten(item) : [item]));
}

function jobsOf(value: unknown, where: string): CatalogJob[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad(where, 'must be a list of RUN / ADD / GET entries');
  return flatten(value).map((item, i) => {
    const at = `${where}[${i}]`;
    if (!isPlain(item) || Object.keys(item).length !== 1)
      throw bad(at, 'each job is one mapping: RUN: command, ADD: local remote or GET: remote local');
    const [verb, text] = Object.entries(item)[0] as [string, unknown];
    const upper = verb.toUpperCase();
    if (upper !== 'RUN' && upper !== 'ADD' && upper !== 'GET')
      throw bad(at, `unknown job type ${JSON.stringify(verb)} (bootstrap knows RUN, ADD and GET)`);
    if (typeof text !== 'string' || !text.trim()) throw bad(`${at}.${verb}`, 'must be a non-empty string');
    return { verb: upper, text };
  });
}

function sectionOf(value: unknown, where: string, defaultUser: string): CatalogSection | null {
  if (value === undefined || value === null) return null;
  if (!isPlain(value)) throw bad(where, 'must be a mapping with targets, args and jobs');
  const args = value.args === undefined ? {} : value.args;
  if (!isPlain(args)) throw bad(`${where}.args`, 'must be a mapping (port, username)');
  const defaultPort = args.port === undefined ? 22 : args.port;
  if (!Number.isInteger(defaultPort) || (defaultPort as number) < 1 || (defaultPort as number) > 65535)
    throw bad(`${where}.args.port`, 'must be a port number');
  if (args.username !== undefined && typeof args.username !== 'string') throw bad(`${where}.args.username`, 'must be a string');
  const targetsRaw = value.targets ?? [];
  if (!Array.isArray(targetsRaw)) throw bad(`${where}.targets`, 'must be a list of {host, port?, username?, name?}');
  const targets = flatten(targetsRaw).map((t, i): CatalogTarget => {
    const at = `${where}.targets[${i}]`;
    if (!isPlain(t)) throw bad(at, 'must be a mapping with host');
    if (typeof t.host !== 'string' || !t.host.trim()) throw bad(`${at}.host`, 'is required');
    const port = t.port === undefined ? defaultPort : t.port;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw bad(`${at}.port`, 'must be a port number');
    for (const key of ['username', 'name', 'key_file', 'prefix'] as const) {
      if (t[key] !== undefined && typeof t[key] !== 'string') throw bad(`${at}.${key}`, 'must be a string');
    }
    return {
      host: t.host.trim(),
      port: port as number,
      username: (t.username as string | undefined) ?? (args.username as string | undefined) ?? defaultUser,
      ...(t.name ? { name: t.name as string } : {}),
      ...(t.key_file ? { keyFile: t.key_file as string } : {}),
      ...(t.prefix ? { prefix: t.prefix as string } : {}),
    };
  });
  return { targets, jobs: jobsOf(value.jobs, `${where}.jobs`) };
}

/** Reads and merges catalog files; `defaultUser` is the current user (spec 2.3). */
export function loadCatalogs(files: readonly string[], defaultUser: string, cwd: string = process.cwd()): Catalog {
  if (files.length === 0) throw new BootstrapError('bad-input', 'no catalog given (--catalog FILE)');
  let data: Plain = {};
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (error) {
      throw bad(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw bad(file, `not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (parsed === null || parsed === undefined) continue;
    if (!isPlain(parsed)) throw bad(file, 'must be a mapping with directord_server and/or directord_clients');
    data = deepMerge(data, parsed);
  }
  const where = files.length === 1 ? (files[0] as string) : files.join('+');
  const server = sectionOf(data.directord_server, `${where}: directord_server`, defaultUser);
  const clients = sectionOf(data.directord_clients, `${where}: directord_clients`, defaultUser);
  if (!server?.targets.length && !clients?.targets.length) throw bad(where, 'no targets in directord_server or directord_clients');
  const sourceDirs = [...new Set([...files.map((f) => dirname(resolve(cwd, f))), cwd])];
  return { data, server, clients, sourceDirs };
}

/** The catalog's hosts: server targets run first, serially, and get no agent; clients get one each. */
export function catalogHosts(catalog: Catalog): { serial: BootstrapHost[]; parallel: BootstrapHost[] } {
  const toHost = (target: CatalogTarget, section: CatalogSection, installAgent: boolean): BootstrapHost => ({
    label: target.name ?? `${target.username}@${target.host}:${target.port}`,
    endpoint: { host: target.host, port: target.port, username: target.username },
    identity: target.name ?? target.host,
    ...(target.keyFile ? { keyFiles: [target.keyFile] } : {}),
    ...(target.prefix ? { prefix: target.prefix } : {}),
    jobs: section.jobs,
    vars: catalog.data,
    installAgent,
  });
  return {
    serial: (catalog.server?.targets ?? []).map((t) => toHost(t, catalog.server as CatalogSection, false)),
    parallel: (catalog.clients?.targets ?? []).map((t) => toHost(t, catalog.clients as CatalogSection, true)),
  };
}
