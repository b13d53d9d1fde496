export { default as Builder } from './Builder.svelte';
export { editor, Editor, NEW_TEMPLATE } from './editor.svelte.js';
export { buildSubmission, deployProblems, deploySummary } from './deploy.js';
export { attachments } from './attachments.svelte.js';
export { openOrchestration, importOrchestration, confirmDiscard } from './open.js';
export { startWorkingCopy } from './persist.svelte.js';
export { saveToLibrary } from './save-to-library.js';
export type { StepEditorProps, StepRowProps, EntryCardProps, TargetPickerProps, DeployDialogProps } from './types.js';
