/**
 * Installing agents over SSH (issue #6, spec 2.3): the console's `hosts:bootstrap` request, the
 * progress it streams (`bootstrap:progress`, `bootstrap:finished`) and the failure codes the
 * CLI and the console both show with a "what to do" hint.
 */
import { Type, type Static } from '@sinclair/typebox';

/**
 * The steps of one host, in order. `jobs` runs a catalog's RUN/ADD/GET entries (so a catalog can
 * install Node before it is checked); a catalog's server targets stop after it.
 */
export const BOOTSTRAP_STEPS = ['connect', 'jobs', 'check-node', 'upload', 'configure', 'start', 'online'] as const;
export type BootstrapStep = (typeof BOOTSTRAP_STEPS)[number];

/** Why a host failed; each comes with a hint saying what to do. */
export const BOOTSTRAP_FAILURES = [
  'unreachable',
  'auth-failed',
  'host-key-changed',
  'host-key-unknown',
  'no-node',
  'old-node',
  'permission-denied',
  'job-failed',
  'not-online',
  /** The agent's name is enrolled already (an earlier install): revoke it and retry, or pick another name. */
  'name-taken',
  'timeout',
  'bad-input',
  'internal',
] as const;
export type BootstrapFailureCode = (typeof BOOTSTRAP_FAILURES)[number];

export type BootstrapFailure = Readonly<{ code: BootstrapFailureCode; message: string; hint: string }>;

/** One step of one host moved. */
export type BootstrapProgress = Readonly<{
  bootstrapId: string;
  /** The address as given (`user@host:port`), the key of the host in this bootstrap. */
  host: string;
  /** The agent identity it will have in Hosts. */
  identity: string;
  step: BootstrapStep;
  state: 'running' | 'done' | 'failed';
  message: string;
  failure?: BootstrapFailure;
  at: number;
}>;

export type BootstrapHostResult = Readonly<{
  host: string;
  identity: string;
  ok: boolean;
  failure?: BootstrapFailure;
  hostKeyFingerprint?: string;
}>;

export type BootstrapFinished = Readonly<{ bootstrapId: string; results: BootstrapHostResult[] }>;

/**
 * `user@host`, `host:port`, `user@[::1]:2222`: user, host and port are optional but the host; an
 * optional `NAME=` in front names the agent (its identity; default the host), so two hosts behind
 * one address on different ports can both get an agent.
 */
const ADDRESS = /^(?:([A-Za-z0-9_.:@-]{1,128})=)?(?:([A-Za-z0-9._-]{1,64})@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]{1,253})(?::(\d{1,5}))?$/;

export type SshAddress = Readonly<{ name?: string; user?: string; host: string; port?: number }>;

/** Parses one address line; an error names the line. */
export function parseSshAddress(text: string): { ok: true; value: SshAddress } | { ok: false; message: string } {
  const m = ADDRESS.exec(text.trim());
  if (!m) return { ok: false, message: `"${text}" is not an address: write host, user@host or user@host:port, optionally NAME= in front` };
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && (port < 1 || port > 65535)) return { ok: false, message: `"${text}": port ${port} is out of range (1-65535)` };
  const host = (m[3] as string).replace(/^\[(.*)\]$/, '$1');
  return {
    ok: true,
    value: { ...(m[1] ? { name: m[1] } : {}), ...(m[2] ? { user: m[2] } : {}), host, ...(port !== undefined ? { port } : {}) },
  };
}

/** `/ui hosts:bootstrap`: install agents on these hosts with the server's SSH client. */
export const BootstrapRequestSchema = Type.Object({
  /** One address per host: `host`, `user@host` or `user@host:port`, optionally `NAME=` in front (the agent's identity). */
  hosts: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 256 }),
  /** Default user for addresses without one (default: the server's user). */
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** A private key file on the server's machine, or the server's ssh-agent (SSH_AUTH_SOCK). */
  auth: Type.Union([
    Type.Object({ kind: Type.Literal('key'), keyFile: Type.String({ minLength: 1, maxLength: 4096 }) }),
    Type.Object({ kind: Type.Literal('agent') }),
  ]),
  /** Where the agent goes on each host (default `~/.local/share/directord-agent`). */
  prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  /** The URL agents connect to (default: the server's own URL). */
  serverUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  /** `accept-new` (default) trusts a host seen for the first time and records its key; `strict` refuses it. */
  hostKeys: Type.Optional(Type.Union([Type.Literal('accept-new'), Type.Literal('strict')])),
});
export type BootstrapRequest = Static<typeof BootstrapRequestSchema>;

export type BootstrapStarted = Readonly<{ bootstrapId: string; hosts: ReadonlyArray<Readonly<{ host: string; identity: string }>> }>;
