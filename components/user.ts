/**
 * User-defined components (spec 5, issue #4): a JavaScript module (`.js`/`.mjs`) whose default
 * export is either
 *   - a factory `({ Type, defineComponent }) => defineComponent({...}, false)`: the module needs no
 *     imports, so the same file runs on the server and, shipped by content hash, on every agent;
 *   - or a component object (`defineComponent(...)` result) with TypeBox argument schemas.
 * Both the server (parsing, manifests) and the agent (running) load modules through here.
 */
import { Type } from '@sinclair/typebox';
import { commonArgsFor } from './common-args.js';
import { argvSchemaProblems } from './argv.js';
import { defineComponent, type Component, type ComponentDefinition } from './define.js';
import type { TProperties } from '@sinclair/typebox';

/** What a factory default export receives. */
export type ComponentModuleApi = Readonly<{ Type: typeof Type; defineComponent: typeof defineComponent }>;

export const componentModuleApi: ComponentModuleApi = { Type, defineComponent };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * The component a loaded module (its namespace object) defines. Throws an Error naming `where`
 * and what is wrong (no default export, bad verb, missing `run` or `args`, unusable schema).
 */
export function componentFromModule(namespace: unknown, where: string): Component {
  const exported = isObject(namespace) ? namespace.default : undefined;
  if (exported === undefined)
    throw new Error(`${where}: no default export (export default ({ Type, defineComponent }) => defineComponent({...}, false))`);
  const value: unknown = typeof exported === 'function' ? (exported as (api: ComponentModuleApi) => unknown)(componentModuleApi) : exported;
  if (!isObject(value)) throw new Error(`${where}: the default export must be a component or a function returning one`);
  if (typeof value.verb !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(value.verb))
    throw new Error(`${where}: verb must be upper case letters, digits and _ (got ${JSON.stringify(value.verb)})`);
  if (typeof value.run !== 'function') throw new Error(`${where}: ${value.verb} has no run(ctx, fields) function`);
  if (!isObject(value.args) || value.args.type !== 'object' || !isObject(value.args.properties))
    throw new Error(`${where}: ${value.verb}: args must be a Type.Object({...}) schema`);
  if (typeof value.summary !== 'string') throw new Error(`${where}: ${value.verb}: summary must be a string`);
  const definition = { cacheable: true, requiresLock: false, ...value } as unknown as ComponentDefinition<TProperties>;
  const component = defineComponent(definition, false);
  const problems = argvSchemaProblems(component.verb, component.args, commonArgsFor(component));
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
  return component;
}
