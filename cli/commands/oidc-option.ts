/**
 * `--oidc-config FILE` for `server` and `serve` (issue #18): single sign-on settings (default
 * DATA_DIR/oidc.json when it exists; docs/sso.md). The server checks the file when it starts.
 */
import { resolve } from 'node:path';
import { Option } from 'commander';

export type OidcCliOptions = Readonly<{ oidcConfig?: string }>;

export const oidcConfigOption = (): Option =>
  new Option(
    '--oidc-config <file>',
    'single sign-on (OpenID Connect) settings, JSON (default: DATA_DIR/oidc.json when it exists; see docs/sso.md)',
  );

export function oidcServerOptions(options: OidcCliOptions): { oidcConfig?: string } {
  return options.oidcConfig !== undefined ? { oidcConfig: resolve(options.oidcConfig) } : {};
}
