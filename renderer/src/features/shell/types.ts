import type { Snippet } from 'svelte';

export type StatusBadgeProps = {
  /** A target/host state, or online/offline. */
  status: string;
  /** Text shown instead of the status name. */
  label?: string;
};

export type ConfirmDialogProps = {
  /** Shown modally while true. */
  open: boolean;
  /** The question, naming what will happen ("Re-run 5 steps on 4 hosts?"). */
  title: string;
  detail?: string;
  confirmLabel: string;
  /** The label of "no" (default Cancel). */
  cancelLabel?: string;
  /** The action's label while `busy`. */
  busyLabel?: string;
  busy?: boolean;
  /** A destructive action (red button). */
  danger?: boolean;
  error?: string;
  onconfirm: () => void;
  /** Cancel, Escape, or the dialog closed some other way. */
  oncancel: () => void;
  /** Extra lines under the detail (progress, a host list). */
  children?: Snippet;
  /** Buttons before Cancel (Deploy's Plan). */
  actions?: Snippet;
};
