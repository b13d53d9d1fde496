import type { FieldValue, FormField, FormValues } from './fields.js';
import type { FieldErrors } from './validate.js';

export type SchemaFormProps = {
  /** Component fields then common options (common ones go under "More"). */
  fields: readonly FormField[];
  values: FormValues;
  errors: FieldErrors;
  /** Called with the field name and its new value on every edit. */
  onchange: (name: string, value: FieldValue) => void;
  /** Prefix for element ids (unique per form on the page). */
  idPrefix: string;
  /** Common option names not to show. */
  hidden?: ReadonlySet<string>;
};

export type FieldInputProps = {
  field: FormField;
  value: FieldValue | undefined;
  error: string | undefined;
  id: string;
  onchange: (value: FieldValue) => void;
};
