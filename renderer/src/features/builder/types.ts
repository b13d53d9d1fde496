import type { ComponentManifest } from '#protocol/agents.js';
import type { StepRef } from '../yaml/edits.js';
import type { EntryModel, StepModel } from '../yaml/model.js';

export type StepEditorProps = {
  step: StepModel;
  /** Where the step is in the orchestration. */
  at: StepRef;
  /** The component's manifest; undefined when no agent announced the verb (raw text only). */
  manifest: ComponentManifest | undefined;
  /** First / last step of the whole orchestration (Move up / Move down disabled). */
  first: boolean;
  last: boolean;
};

export type StepRowProps = {
  step: StepModel;
  at: StepRef;
  /** Problems found in this step (blocking deploy). */
  problems: readonly string[];
  selected: boolean;
  first: boolean;
  last: boolean;
};

export type EntryCardProps = {
  entry: EntryModel;
  index: number;
  /** Problems by job index. */
  problems: ReadonlyMap<number, string[]>;
  total: number;
};

export type TargetPickerProps = {
  /** Hosts the entry targets now. */
  value: readonly string[];
  /** Known host names to pick from. */
  hosts: readonly string[];
  onchange: (targets: string[]) => void;
  label: string;
};

export type DeployDialogProps = {
  /** Shown while true; set back to false when closed. */
  open?: boolean;
};

export type SourceFilesProps = {
  /** An ADD/COPY step. */
  step: StepModel;
  at: StepRef;
  /** Its manifest (needed to add new sources to the job string). */
  manifest: ComponentManifest | undefined;
};
