/**
 * What the desktop shell asks of its embedded server (issue #12, defence in depth): loopback only,
 * a random free port (nothing else on the machine can guess where it is before it starts), and a
 * console secret for this launch only. The window signs in with that secret, never with
 * DATA_DIR/ui.token, so nothing the window shows or keeps (its history, a crash dump) carries a
 * token that outlives the app. No electron import: tests run it without the binary.
 */
import { randomBytes } from 'node:crypto';
import type { ServerOptions } from '../server/public.js';

export type DesktopLaunch = Readonly<{
  /** What createServer gets from the shell, beyond paths and logging. */
  server: Pick<ServerOptions, 'port' | 'host' | 'launchToken' | 'tls'>;
  launchToken: string;
  /** The URL the window loads: the console link with the launch secret, traded for a session cookie at once. */
  consoleUrl(serverUrl: string): string;
}>;

export function desktopLaunch(env: NodeJS.ProcessEnv = process.env): DesktopLaunch {
  const launchToken = randomBytes(32).toString('hex');
  // DIRECTORD_DESKTOP_PORT pins the port (firewall rules, debugging); by default any free one.
  const pinned = Number(env.DIRECTORD_DESKTOP_PORT);
  const port = Number.isInteger(pinned) && pinned > 0 && pinned < 65536 ? pinned : 0;
  return {
    server: { port, host: '127.0.0.1', tls: 'auto', launchToken },
    launchToken,
    consoleUrl: (serverUrl) => `${serverUrl.replace(/\/+$/, '')}/?token=${encodeURIComponent(launchToken)}`,
  };
}
