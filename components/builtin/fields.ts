/**
 * Reading job fields inside a component's client part. Fields arrive over the wire, so
 * each read checks its type and a wrong one throws (the agent reports it as a component
 * failure naming the field).
 */
import { TemplateError, type ComponentContext } from '../define.js';

export function stringField(fields: Readonly<Record<string, unknown>>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string') throw new TypeError(`job field ${name} must be a string`);
  return value;
}

export function boolField(fields: Readonly<Record<string, unknown>>, name: string): boolean {
  const value = fields[name] ?? false;
  if (typeof value !== 'boolean') throw new TypeError(`job field ${name} must be a boolean`);
  return value;
}

export function intField(fields: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const value = fields[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`job field ${name} must be an integer`);
  return value;
}

export function recordField(fields: Readonly<Record<string, unknown>>, name: string): Record<string, unknown> {
  const value = fields[name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`job field ${name} must be a mapping`);
  return value as Record<string, unknown>;
}

export type Rendered = { ok: true; text: string } | { ok: false; message: string };

/** `ctx.render` with template errors as a value (other errors still throw). */
export function tryRender(ctx: ComponentContext, template: string): Rendered {
  try {
    return { ok: true, text: ctx.render(template) };
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, message: error.message };
    throw error;
  }
}

export function optionalStringField(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TypeError(`job field ${name} must be a string`);
  return value;
}

export function numberField(fields: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const value = fields[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`job field ${name} must be a number`);
  return value;
}

export function stringArrayField(fields: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = fields[name] ?? [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new TypeError(`job field ${name} must be a list of strings`);
  return value as string[];
}

/** A string field that must be one of `allowed`. */
export function choiceField<T extends string>(fields: Readonly<Record<string, unknown>>, name: string, allowed: readonly T[]): T {
  const value = fields[name];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new TypeError(`job field ${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}
