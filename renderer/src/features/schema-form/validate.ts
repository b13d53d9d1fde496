/** Inline validation of form values against their field's schema, before anything is deployed. */
import type { FieldValue, FormField, FormValues, ItemKind } from './fields.js';

export type FieldErrors = Readonly<Record<string, string>>;

function checkScalar(field: FormField, kind: ItemKind, text: string): string | null {
  if (kind === 'integer' && !/^[-+]?\d+$/.test(text.trim())) return 'Must be a whole number';
  if (kind === 'number' && (text.trim() === '' || !Number.isFinite(Number(text)))) return 'Must be a number';
  if (kind !== 'string') {
    const n = Number(text);
    if (field.minimum !== undefined && n < field.minimum) return `Must be at least ${field.minimum}`;
    if (field.maximum !== undefined && n > field.maximum) return `Must be at most ${field.maximum}`;
    if (field.exclusiveMinimum !== undefined && n <= field.exclusiveMinimum) return `Must be more than ${field.exclusiveMinimum}`;
    return null;
  }
  if (field.minLength !== undefined && text.length < field.minLength)
    return field.minLength === 1 ? 'Required' : `At least ${field.minLength} characters`;
  if (field.maxLength !== undefined && text.length > field.maxLength) return `At most ${field.maxLength} characters`;
  if (field.pattern !== undefined) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(field.pattern, 'u');
    } catch {
      re = null;
    }
    if (re && !re.test(text)) return `Must match ${field.pattern}`;
  }
  return null;
}

function isEmpty(value: FieldValue | undefined): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** One message per invalid field (empty object when everything is valid). */
export function validateValues(fields: readonly FormField[], values: FormValues): FieldErrors {
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') continue;
    if (isEmpty(value)) {
      if (field.required) errors[field.name] = 'Required';
      continue;
    }
    if (Array.isArray(value)) {
      if (field.minItems !== undefined && value.length < field.minItems) {
        errors[field.name] = `At least ${field.minItems} values`;
        continue;
      }
      for (const item of value) {
        const problem = checkScalar(field, field.itemKind, item);
        if (problem) {
          errors[field.name] = `${JSON.stringify(item)}: ${problem}`;
          break;
        }
      }
      continue;
    }
    const text = String(value);
    if (field.kind === 'enum') {
      if (!(field.options ?? []).includes(text)) errors[field.name] = `Choose one of ${(field.options ?? []).join(', ')}`;
      continue;
    }
    if (field.argv === 'option' && /\s/.test(text) && field.kind !== 'string') errors[field.name] = 'Must not contain spaces';
    const problem = checkScalar(field, field.itemKind, text);
    if (problem) errors[field.name] = problem;
  }
  return errors;
}
