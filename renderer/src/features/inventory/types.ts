/** What the inventory editor edits: a host's or a group's vars (and a host's labels). */
export type InventoryOwner = Readonly<{ kind: 'host' | 'group'; name: string }>;

export type InventoryEditorProps = {
  /** Shown while set; the editor sets it null when closed. */
  owner?: InventoryOwner | null;
};
