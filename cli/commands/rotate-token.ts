/**
 * `directord manage --rotate-console-token`: a new DATA_DIR/ui.token (issue #12). Every earlier
 * console link and every browser session ends; a running server follows at once (it re-reads the
 * file when it changes), so no restart is needed. Prints the new link, or where the token is when
 * no server is running.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rotateSecret } from '../../server/public.js';
import { isPidAlive, readServerFile } from '../discovery.js';
import { CliError, EXIT } from '../errors.js';
import { hint } from '../hint.js';
import { line } from '../output.js';

const WILDCARD = /^(0\.0\.0\.0|\[::\])$/;

export function rotateConsoleToken(dataDir: string): number {
  if (!existsSync(dataDir))
    throw new CliError(
      `No data dir ${dataDir}: nothing to rotate (${hint('serve', '--data-dir', dataDir)} creates it and prints the console link)`,
    );
  const path = join(dataDir, 'ui.token');
  const token = rotateSecret(path);
  line(`New console token written to ${path}; earlier links and browser sessions no longer open the console.`);
  const server = readServerFile(dataDir);
  if (server && isPidAlive(server.pid)) {
    const url = new URL(server.url);
    if (WILDCARD.test(url.hostname)) url.hostname = '127.0.0.1';
    line(`Directord Console: ${url.origin}/?token=${token}`);
  } else {
    line(`No server is running for this data dir; ${hint('serve', '--data-dir', dataDir)} prints the new link when it starts.`);
  }
  return EXIT.ok;
}
