/** Directord's cache merge rules (spec 4.4). */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges `update` into a copy of `base`. Without `extend` top-level keys are replaced; with it,
 * mappings merge recursively and lists are appended (a type mismatch replaces the value).
 */
export function mergeValues(
  base: Readonly<Record<string, unknown>>,
  update: Readonly<Record<string, unknown>>,
  extend: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(update)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    if (extend && isPlainObject(value) && isPlainObject(current)) setOwn(out, key, mergeValues(current, value, true));
    else if (extend && Array.isArray(value) && Array.isArray(current))
      setOwn(out, key, [...(current as unknown[]), ...(value as unknown[])]);
    else setOwn(out, key, value);
  }
  return out;
}

/** Sets an own property even for keys like `__proto__` (values come off the wire). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
