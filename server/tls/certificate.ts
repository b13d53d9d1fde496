/**
 * The server's TLS identity (issue #5): a self-signed certificate generated on first start into
 * the data dir (`tls.key` 0600, `tls.crt`) and reused afterwards. Agents pin its SHA-256
 * fingerprint at enrolment, so no CA is involved; delete both files to get a new one (enrolled
 * agents will then refuse the server until they are told the new fingerprint).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../util/atomic-file.js';

export type TlsMode = 'auto' | 'on' | 'off';

export type TlsIdentity = Readonly<{
  key: string;
  cert: string;
  /** `AB:CD:…` (SHA-256 of the DER certificate, as Node's `fingerprint256`). */
  fingerprint: string;
  keyPath: string;
  certPath: string;
}>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether a listen host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `auto`: TLS unless the server listens on loopback only. */
export function tlsEnabled(mode: TlsMode, host: string): boolean {
  return mode === 'on' || (mode === 'auto' && !isLoopbackHost(host));
}

export const TLS_KEY_FILE = 'tls.key';
export const TLS_CERT_FILE = 'tls.crt';
const VALID_YEARS = 10;

/** Reads DATA_DIR/tls.key + tls.crt, or generates them (EC P-256, 10 years) when either is missing or unreadable. */
export async function loadOrCreateTlsIdentity(dataDir: string, listenHost: string): Promise<TlsIdentity> {
  const keyPath = join(dataDir, TLS_KEY_FILE);
  const certPath = join(dataDir, TLS_CERT_FILE);
  if (existsSync(keyPath) && existsSync(certPath)) {
    const key = readFileSync(keyPath, 'utf8');
    const cert = readFileSync(certPath, 'utf8');
    try {
      const x509 = new X509Certificate(cert);
      if (x509.checkPrivateKey(createPrivateKey(key))) {
        chmodSync(keyPath, 0o600);
        return { key, cert, fingerprint: x509.fingerprint256, keyPath, certPath };
      }
    } catch {
      // Unreadable or mismatched: make a new pair below.
    }
  }
  const names = [...new Set(['localhost', hostname(), ...(isIP(listenHost) ? [] : [listenHost])].filter(Boolean))];
  const ips = [
    ...new Set(['127.0.0.1', '::1', ...(isIP(listenHost) && listenHost !== '0.0.0.0' && listenHost !== '::' ? [listenHost] : [])]),
  ];
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: `Directord Console ${hostname()}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + VALID_YEARS * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  writeFileAtomic(keyPath, pems.private, 0o600);
  writeFileAtomic(certPath, pems.cert, 0o644);
  return { key: pems.private, cert: pems.cert, fingerprint: new X509Certificate(pems.cert).fingerprint256, keyPath, certPath };
}
