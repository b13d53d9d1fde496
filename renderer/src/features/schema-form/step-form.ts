/**
 * Everything the builder needs about one step's job string: its fields (the component's own and
 * the common options), the values read from the text, and what is wrong with it.
 */
import { CommonArgsSchema } from '#components/common-args.js';
import type { ComponentManifest } from '#protocol/agents.js';
import { schemaToFields, type FormField, type FormValues } from './fields.js';
import { formatJobString, parseJobString } from './argv.js';
import { validateValues, type FieldErrors } from './validate.js';

/** Common options the form does not show (they stay valid in raw text). */
export const HIDDEN_COMMON = new Set(['exec_help', 'force_lock']);

const commonFields = schemaToFields(CommonArgsSchema, true);
const cache = new Map<string, FormField[]>();

/** Component fields followed by the common options (cached per manifest). */
export function fieldsFor(manifest: ComponentManifest): FormField[] {
  const key = manifest.verb + '\u0000' + (manifest.hash ?? '') + (manifest.version ?? '');
  let fields = cache.get(key);
  if (!fields) {
    const own = schemaToFields(manifest.args);
    const ownNames = new Set(own.map((f) => f.name));
    fields = [...own, ...commonFields.filter((f) => !ownNames.has(f.name))];
    cache.set(key, fields);
  }
  return fields;
}

export type StepForm =
  | Readonly<{ ok: true; fields: FormField[]; values: FormValues; present: ReadonlySet<string>; errors: FieldErrors }>
  | Readonly<{ ok: false; message: string }>;

/** Reads `text` for the component; `ok: false` when the text cannot be shown as a form. */
export function readStep(manifest: ComponentManifest, text: string): StepForm {
  const fields = fieldsFor(manifest);
  const parsed = parseJobString(fields, text);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const { values, present } = parsed.parsed;
  return { ok: true, fields, values, present, errors: validateValues(fields, values) };
}

export function writeStep(manifest: ComponentManifest, values: FormValues, present: ReadonlySet<string>): string {
  return formatJobString(fieldsFor(manifest), values, present);
}

/** Problems that must block Deploy, as short sentences (empty when the step is fine). */
export function stepProblems(manifest: ComponentManifest | undefined, verb: string, text: string): string[] {
  if (!manifest) return [`No connected agent offers ${verb}`];
  const form = readStep(manifest, text);
  if (!form.ok) return [form.message];
  return Object.entries(form.errors).map(([name, message]) => {
    const field = form.fields.find((f) => f.name === name);
    return `${field?.title ?? name}: ${message}`;
  });
}
