/**
 * `manage --rotate-console-token` ends what the old token opened (issue #12): new handshakes
 * already fail (sessions are keyed on the token), and this closes the `/ui` sockets that are still
 * open on a browser session or on the old token itself. CLI sockets and the desktop app's
 * per-launch secret do not depend on ui.token and stay.
 */
import type { UiNamespace } from '../ui/ui.broadcast.js';
import type { Logger } from '../../protocol/log.js';
import { every, type Disposer } from '../util/disposables.js';

export type RotationDeps = Readonly<{
  ns: UiNamespace;
  /** The console token as it is now (re-read when the file changes). */
  consoleToken: () => string;
  /** Whether a handshake with this `auth` was let in by ui.token or a session cookie. */
  dependsOnConsoleToken: (auth: unknown) => boolean;
  log: Logger;
  /** How often the token file is looked at. Default 1 s. */
  intervalMs?: number;
}>;

/** Call after the namespace's authentication is registered, so only admitted sockets are tracked. */
export function endSocketsOnRotation(deps: RotationDeps): Disposer {
  const bound = new Set<string>();
  deps.ns.use((socket, next) => {
    if (deps.dependsOnConsoleToken(socket.handshake.auth)) {
      bound.add(socket.id);
      socket.once('disconnect', () => bound.delete(socket.id));
    }
    next();
  });
  let token = deps.consoleToken();
  return every(deps.intervalMs ?? 1000, () => {
    const now = deps.consoleToken();
    if (now === token) return;
    token = now;
    let closed = 0;
    for (const id of bound) {
      const socket = deps.ns.sockets.get(id);
      if (socket) {
        socket.disconnect(true);
        closed++;
      }
    }
    bound.clear();
    deps.log.info('console token rotated: browser sessions and earlier links no longer open the console', { closedSockets: closed });
  });
}
