export { default as SchemaForm } from './SchemaForm.svelte';
export { default as FieldInput } from './FieldInput.svelte';
export type { SchemaFormProps, FieldInputProps } from './types.js';
export { schemaToFields, type FormField, type FieldValue, type FormValues } from './fields.js';
export { parseJobString, formatJobString } from './argv.js';
export { validateValues } from './validate.js';
export { fieldsFor, readStep, writeStep, stepProblems, HIDDEN_COMMON } from './step-form.js';
