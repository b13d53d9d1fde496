/**
 * YAML output for `manage --export-jobs/--export-nodes`. A static import on purpose: in the
 * code-split bundle a dynamic `import('yaml')` of this CommonJS package yields only `default`,
 * so `const { stringify } = await import('yaml')` was undefined there. `manage` imports this
 * module dynamically instead, which keeps YAML out of the other commands.
 */
import { stringify } from 'yaml';

/** Keys sorted, block style: Directord's `yaml.safe_dump` layout (spec 2.4). */
export function toYaml(data: Readonly<Record<string, unknown>>): string {
  return stringify(data, { sortMapEntries: true });
}
