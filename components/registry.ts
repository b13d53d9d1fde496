/**
 * The set of components one process knows (built-ins plus user components), looked up by
 * verb. Verbs are case-sensitive, as in Directord.
 */
import type { ComponentManifest } from '../protocol/agents.js';
import { fail, type WireError } from '../protocol/result.js';
import { argvSchemaProblems } from './argv.js';
import { commonArgsFor } from './common-args.js';
import type { Component } from './define.js';

export type ComponentRegistry = Readonly<{
  get(verb: string): Component | undefined;
  has(verb: string): boolean;
  /** Known verbs, sorted. */
  verbs(): string[];
  all(): Component[];
  /** JSON manifests for `agent:hello` and the UI (args = the component's own JSON Schema). */
  manifests(): ComponentManifest[];
}>;

/** `unknown-verb` error listing the known verbs. */
export function unknownVerbError(verb: string, known: readonly string[]): WireError {
  return fail('unknown-verb', `unknown verb ${JSON.stringify(verb)}; known verbs: ${[...known].sort().join(', ')}`, {
    location: { field: 'verb' },
  }).error;
}

/** The JSON manifest of one component (TypeBox schemas are JSON Schema already). */
export function componentManifest(
  component: Component,
  extra: Partial<Pick<ComponentManifest, 'hash' | 'version'>> = {},
): ComponentManifest {
  return {
    verb: component.verb,
    summary: component.summary,
    ...(component.description !== undefined ? { description: component.description } : {}),
    args: JSON.parse(JSON.stringify(component.args)) as Record<string, unknown>,
    cacheable: component.cacheable,
    requiresLock: component.requiresLock,
    ...(component.lockName !== undefined ? { lockName: component.lockName } : {}),
    builtin: component.builtin,
    ...extra,
  };
}

/**
 * Builds a registry. Throws when two components share a verb or a component's schema is
 * unusable (flag clashes, `rest` not last), so a bad user component fails at load time.
 */
export function createRegistry(components: readonly Component[]): ComponentRegistry {
  const byVerb = new Map<string, Component>();
  for (const component of components) {
    if (byVerb.has(component.verb)) throw new Error(`duplicate component verb ${component.verb}`);
    const problems = argvSchemaProblems(component.verb, component.args, commonArgsFor(component));
    if (problems.length) throw new Error(problems.join('; '));
    byVerb.set(component.verb, component);
  }
  const verbs = [...byVerb.keys()].sort();
  return {
    get: (verb) => byVerb.get(verb),
    has: (verb) => byVerb.has(verb),
    verbs: () => [...verbs],
    all: () => [...byVerb.values()],
    manifests: () => [...byVerb.values()].map((c) => componentManifest(c)),
  };
}
