import type { AgentInfo } from '../../../../protocol/agents.js';

export type HostDetailProps = {
  /** The host shown; null shows a hint. */
  agent: AgentInfo | null;
};

export type AddHostsDialogProps = {
  /** Shown while true; the dialog sets it false when closed. */
  open?: boolean;
};
