export type StatusBadgeProps = {
  /** A target/host state, or online/offline. */
  status: string;
  /** Text shown instead of the status name. */
  label?: string;
};
