/**
 * Certificate pinning without a CA (issue #5): the agent trusts exactly the server certificate
 * whose SHA-256 fingerprint it stored at enrolment. The check runs on the TLS socket's
 * `secureConnect`, before the WebSocket upgrade completes, so no credential is ever sent to a
 * server that shows another certificate. Only node:https/node:tls: the one-file agent stays
 * free of native modules.
 */
import { Agent } from 'node:https';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** `ab:cd…`, `ABCD…` or `sha256/AB:CD…` → `AB:CD:…` (Node's fingerprint256 form). */
export function normaliseFingerprint(text: string): string | null {
  const hex = text
    .trim()
    .replace(/^sha-?256[/:=]?/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

export type PinCheck = Readonly<{
  /** The fingerprint to require; undefined: accept any and only record it (first contact, trust on first use). */
  expected: () => string | undefined;
  /** Called with what the server presented (every connection). */
  onSeen?: (fingerprint: string) => void;
  /** Called when the server presented another certificate; the connection is dropped. */
  onMismatch: (expected: string, presented: string) => void;
}>;

export class CertificateChangedError extends Error {
  readonly expected: string;
  readonly presented: string;
  constructor(expected: string, presented: string) {
    super(`server certificate changed: pinned ${expected}, presented ${presented}`);
    this.name = 'CertificateChangedError';
    this.expected = expected;
    this.presented = presented;
  }
}

/** An https.Agent (for socket.io-client's `agent` option) that enforces the pin. */
export function pinnedAgent(check: PinCheck): Agent {
  const agent = new Agent({ keepAlive: false });
  // The CA check is replaced, not skipped: the fingerprint comparison below is the trust decision.
  (agent as unknown as { createConnection: (options: ConnectionOptions) => TLSSocket }).createConnection = (options) => {
    const socket = tlsConnect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256;
      check.onSeen?.(presented);
      const expected = check.expected();
      if (expected !== undefined && presented !== expected) {
        check.onMismatch(expected, presented);
        socket.destroy(new CertificateChangedError(expected, presented));
      }
    });
    return socket;
  };
  return agent;
}

/** The message an agent prints when the server's certificate is not the pinned one. */
export function certificateChangedMessage(
  serverUrl: string,
  expected: string,
  presented: string,
  enrolmentFile: string | undefined,
): string {
  return (
    `refusing the server at ${serverUrl}: its TLS certificate changed. ` +
    `Pinned at enrolment: ${expected}; presented now: ${presented}. ` +
    `If the server's certificate was regenerated on purpose (check the fingerprint it prints on start), ` +
    (enrolmentFile ? `remove ${enrolmentFile} and enrol this agent again with a new token; ` : 'update the pinned fingerprint; ') +
    `otherwise someone may be intercepting the connection.`
  );
}
