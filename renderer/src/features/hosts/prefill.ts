/**
 * Add hosts prefilled from the inventory: each selected host that has no agent yet and has an SSH
 * address (from ansible_host / ansible_port / ansible_user) becomes one address line,
 * `NAME=user@host:port` (NAME= when the address is not the name), so the agent enrols under the
 * inventory's name.
 */
import type { InventoryIndex } from '#protocol/inventory/resolve.js';

export function bootstrapLines(index: InventoryIndex, selected: readonly string[]): string[] {
  const lines: string[] = [];
  for (const name of selected) {
    const host = index.hosts.get(name);
    if (!host || host.enrolled || !host.ssh) continue;
    const { host: address, port, user } = host.ssh;
    const at = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
    lines.push(`${address === name ? '' : `${name}=`}${user ? `${user}@` : ''}${at}${port !== undefined ? `:${port}` : ''}`);
  }
  return lines;
}
