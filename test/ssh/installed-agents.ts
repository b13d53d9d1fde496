/**
 * Agents that bootstrap started on the test sshd run outside the test's process tree (sshd's
 * children, in their own session): stop them through the pid files bootstrap wrote.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** SIGKILLs the agent recorded in each PREFIX/agent.pid; missing files and dead pids are fine. */
export function killInstalledAgents(prefixes: readonly string[]): void {
  for (const prefix of prefixes) {
    let pid: number;
    try {
      pid = Number(readFileSync(join(prefix, 'agent.pid'), 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** A host reinstalled, or its agent files deleted: the agent at `prefix` stops and its files go (its enrolment stays on the server). */
export function wipeInstall(prefix: string): void {
  killInstalledAgents([prefix]);
  rmSync(prefix, { recursive: true, force: true });
}
