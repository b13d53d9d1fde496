import type { AgentInfo } from '#protocol/agents.js';

export type HostDetailProps = {
  /** The host shown; null shows a hint. */
  agent: AgentInfo | null;
};

export type AddHostsDialogProps = {
  /** Shown while true; the dialog sets it false when closed. */
  open?: boolean;
};

export type RevokeHostDialogProps = {
  /** The host to revoke; the dialog is shown while set and sets it null when closed. */
  identity?: string | null;
};

export type EnrolAgentDialogProps = {
  /** Shown while true; the dialog sets it false when closed. */
  open?: boolean;
};
