import type { HostLog } from './host-log.js';
import type { HostStatus, RunModel } from './run-model.js';

export type LogViewportProps = {
  log: HostLog;
  /** Changes whenever the log grows (the log itself is not reactive). */
  version: number;
  /** Highlighted text (case-insensitive); empty for none. */
  query: string;
  /** Line index of the current search match, -1 for none; scrolled into view when it changes. */
  activeLine: number;
  /** Keep the newest line in view; turns off when the user scrolls up. */
  follow: boolean;
  onfollowchange: (follow: boolean) => void;
  label: string;
  /** Extra text after a job's header line (its state and info on this host). */
  describe?: (job: number) => string;
};

export type HostPaneProps = {
  model: RunModel;
  version: number;
  /** Hosts shown in this pane (more than one when identical output is grouped). */
  hosts: readonly string[];
  status: HostStatus;
};

export type SummaryStripProps = {
  counts: Readonly<Record<HostStatus, number>>;
  /** Statuses whose panes are shown; empty = all. */
  filter: readonly HostStatus[];
  ontoggle: (status: HostStatus) => void;
};
