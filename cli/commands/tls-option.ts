/**
 * `--tls auto|on|off` for `server` and `serve` (issue #5): `auto` (the default) speaks TLS unless
 * the server listens on loopback only; `on` forces it (also on 127.0.0.1); `off` never (behind a
 * TLS-terminating proxy, say). Passed to createServer's `tls` option.
 */
import { Option } from 'commander';

export type TlsCliMode = 'auto' | 'on' | 'off';

export const tlsOption = (): Option =>
  new Option('--tls <mode>', 'TLS with a self-signed certificate in DATA_DIR/tls.crt: auto (on unless the host is loopback), on, off')
    .choices(['auto', 'on', 'off'])
    .default('auto');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Why `--tls off` on a host other hosts can reach deserves a warning, or null. */
export function plainTextWarning(mode: TlsCliMode, host: string): string | null {
  if (mode !== 'off' || LOOPBACK.has(host)) return null;
  return `--tls off on ${host}: enrolment tokens, credentials and job output cross the network in clear text; only do this behind a TLS-terminating proxy`;
}
