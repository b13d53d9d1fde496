/**
 * The inventory as the pattern resolver and the console see it: hosts (every agent identity and
 * every declared host), groups with nested children, labels and vars. `all` and `ungrouped` are
 * implicit (Ansible's), never stored.
 */

/** Where Add hosts connects over SSH (from `ansible_host`/`ansible_port`/`ansible_user`). */
export type SshAddress = Readonly<{ host: string; port?: number; user?: string }>;

export type InventoryHost = Readonly<{
  name: string;
  labels: Readonly<Record<string, string>>;
  vars: Readonly<Record<string, unknown>>;
  /** The agent's facts; null for a host declared before its agent exists. */
  facts: Readonly<Record<string, unknown>> | null;
  online: boolean;
  /** Whether an agent with this identity was ever seen (false: declared, *not enrolled*). */
  enrolled: boolean;
  ssh: SshAddress | null;
}>;

export type InventoryGroup = Readonly<{
  name: string;
  /** Direct member hosts. */
  hosts: readonly string[];
  /** Direct child groups. */
  children: readonly string[];
  vars: Readonly<Record<string, unknown>>;
}>;

/**
 * A saved pattern with a name (AWX's smart inventories): usable as a name in any pattern, resolved
 * live each time (never a stored list of hosts).
 */
export type SmartGroup = Readonly<{ name: string; pattern: string }>;

export type InventorySnapshot = Readonly<{
  hosts: readonly InventoryHost[];
  groups: readonly InventoryGroup[];
  smartGroups?: readonly SmartGroup[];
}>;

/** What a pattern resolved to: every matching host (natural order), and which of them cannot run now. */
export type PatternResolution = Readonly<{
  pattern: string;
  hosts: readonly string[];
  /** Enrolled matches whose agent is not connected. */
  offline: readonly string[];
  /** Declared matches no agent has ever enrolled as. */
  notEnrolled: readonly string[];
}>;

/** Names of the implicit groups. */
export const ALL_GROUP = 'all';
export const UNGROUPED_GROUP = 'ungrouped';
