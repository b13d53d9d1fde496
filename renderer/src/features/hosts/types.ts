import type { AgentInfo } from '../../../../protocol/agents.js';

export type HostDetailProps = {
  /** The host shown; null shows a hint. */
  agent: AgentInfo | null;
};
