/** What the agent tells the server about its host (spec 1.8: machine id sources). */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { AgentFacts } from '../protocol/agents.js';

const MACHINE_ID_SOURCES = [
  '/sys/class/dmi/id/product_uuid',
  '/run/machine-id',
  '/etc/machine-id',
  '/var/lib/dbus/machine-id',
  '/proc/sys/kernel/random/boot_id',
];

/** The explicit id, else the first readable, non-empty source, else the identity. */
export function machineIdOf(identity: string, explicit?: string, sources: readonly string[] = MACHINE_ID_SOURCES): string {
  if (explicit) return explicit.slice(0, 256);
  for (const path of sources) {
    try {
      const value = readFileSync(path, 'utf8').trim();
      if (value) return value.slice(0, 256);
    } catch {
      // not readable here; try the next
    }
  }
  return identity;
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) return pretty.slice(0, 256);
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()}`.slice(0, 256);
}

export function hostFacts(): AgentFacts {
  return {
    hostname: os.hostname().slice(0, 253),
    os: osName(),
    platform: process.platform,
    release: os.release().slice(0, 256),
    arch: process.arch,
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    nodeVersion: process.version,
    hostUptimeS: os.uptime(),
  };
}
