/**
 * Turning whatever went wrong on one host into a {@link BootstrapFailure}: a code, a message and
 * a hint saying what to do. ssh2 reports failures as errors with a `level` and socket `code`s.
 */
import type { BootstrapFailure, BootstrapFailureCode } from '../../protocol/bootstrap.js';

/** The documented way to get Node ≥ 20 on a host (README "Agents on other hosts"). */
export const NODE_INSTALL_HINT =
  'Install Node.js 20 or later on the host, then run the bootstrap again. ' +
  'Debian/Ubuntu: curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs; ' +
  'Fedora/RHEL: sudo dnf install -y nodejs (Fedora 39+, RHEL 9: dnf module install -y nodejs:20); ' +
  'other systems: https://nodejs.org/en/download/package-manager';

export class BootstrapError extends Error {
  constructor(
    readonly code: BootstrapFailureCode,
    message: string,
    readonly hint: string = hintFor(code),
  ) {
    super(message);
    this.name = 'BootstrapError';
  }
  toFailure(): BootstrapFailure {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Whether an agent's log says the server refused its enrolment because its name is taken. */
export function isNameTaken(agentLog: string): boolean {
  return /is already enrolled|is connected right now/.test(agentLog);
}

/** `identity` named when known; the generic hint (hintFor) says NAME. */
function nameTakenHint(identity?: string): string {
  const name = identity ?? 'NAME';
  return (
    `The server already has an agent named ${identity ?? 'like this one'} (an earlier install, perhaps one whose files were removed, enrolled it). ` +
    `If that is this host, revoke ${name} (Hosts → Revoke, or directord manage --revoke-node ${name}) and add the host again; ` +
    'otherwise give this one another name (NAME=user@host:port in Add hosts, name: in a catalog). ' +
    'directord bootstrap --replace revokes and installs again in one go.'
  );
}

/** The failure for an install whose agent was refused because `identity` is taken. */
export function nameTaken(identity: string, message: string): BootstrapError {
  return new BootstrapError('name-taken', message, nameTakenHint(identity));
}

export function hintFor(code: BootstrapFailureCode): string {
  switch (code) {
    case 'unreachable':
      return 'Check the address and port, that sshd runs on the host, and that no firewall blocks it (try: ssh -p PORT USER@HOST true).';
    case 'auth-failed':
      return "The host refused the key. Add its public half to the user's ~/.ssh/authorized_keys (ssh-copy-id -i KEY.pub USER@HOST), check the user name, or use another key or the ssh-agent.";
    case 'host-key-changed':
      return 'The host key differs from the one recorded in known_hosts: either the host was reinstalled or someone is in the middle. Verify the new fingerprint out of band, then remove the old line from known_hosts.';
    case 'host-key-unknown':
      return 'Strict host keys are on and this host is not in known_hosts: add it (ssh-keyscan -p PORT HOST >> known_hosts, after checking the fingerprint) or use accept-new.';
    case 'no-node':
    case 'old-node':
      return NODE_INSTALL_HINT;
    case 'permission-denied':
      return 'The user cannot write the install prefix: choose a prefix it owns (the default is ~/.local/share/directord-agent) or connect as a user that may write there.';
    case 'job-failed':
      return 'A catalog job failed on the host; its output is above. Fix the job or the host and run the bootstrap again (hosts already done are re-installed in place).';
    case 'name-taken':
      return nameTakenHint();
    case 'not-online':
      return 'The agent started but never reached the server: check that the server URL is reachable from the host (a server on 127.0.0.1 is not; start it with --host 0.0.0.0 behind a firewall, or pass --server-url). The agent was stopped and its files removed.';
    case 'timeout':
      return 'A step took too long: the host or the network may be overloaded. Try again, or with fewer --threads.';
    case 'bad-input':
      return 'Fix the input named in the message.';
    case 'internal':
      return 'This is a bug: run again with --debug and report it.';
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

/** Classifies an error thrown while connecting over SSH (`where` is `host:port`). */
export function classifyConnectError(error: unknown, where: string): BootstrapError {
  if (error instanceof BootstrapError) return error;
  const e = error as { code?: unknown; level?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.code === 'string' && UNREACHABLE.has(e.code))
    return new BootstrapError('unreachable', `cannot reach ${where}: ${e.code} (${message})`);
  if (e?.level === 'client-timeout' || /timed out while waiting for handshake/i.test(message))
    return new BootstrapError('unreachable', `no SSH handshake from ${where} in time: ${message}`);
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message))
    return new BootstrapError('auth-failed', `authentication failed on ${where}: ${message}`);
  if (/encrypted private key|passphrase/i.test(message))
    return new BootstrapError(
      'auth-failed',
      `cannot use the key: ${message}`,
      'The private key is protected by a passphrase: load it into ssh-agent (ssh-add KEY) and use the ssh-agent instead.',
    );
  if (/Cannot parse privateKey|Unsupported key format/i.test(message))
    return new BootstrapError(
      'bad-input',
      `the private key cannot be read: ${message}`,
      'Pass an OpenSSH or PEM private key file (not the .pub half).',
    );
  if (e?.level === 'client-socket') return new BootstrapError('unreachable', `connection to ${where} failed: ${message}`);
  return new BootstrapError('internal', `SSH connection to ${where} failed: ${message}`);
}

/** Any error at a later step: BootstrapErrors pass through, others become `internal`. */
export function asBootstrapError(error: unknown): BootstrapError {
  if (error instanceof BootstrapError) return error;
  return new BootstrapError('internal', error instanceof Error ? error.message : String(error));
}
