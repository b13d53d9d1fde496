/** Host lists as the console shows them where they are used (pure). */

/** `node-1, node-2, node-3` or, past `max`, `node-1, node-2, … and 5 more`. */
export function hostList(hosts: readonly string[], max = 4): string {
  if (hosts.length <= max) return hosts.join(', ');
  return `${hosts.slice(0, max).join(', ')}, … and ${hosts.length - max} more`;
}
