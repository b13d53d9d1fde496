/**
 * Electron main: embeds the engine from server/ (the same code `npm run serve` runs), starts a
 * local agent, and opens one hardened window on the console the server serves. Everything it
 * does beyond wiring is tested through server/ and the renderer; this shell stays thin.
 */
import { app, BrowserWindow, session } from 'electron';
import { createServer, importModule, type DirectordServer } from '../server/public.js';
import { createLogger } from '../protocol/log.js';
import { shellPaths } from './paths.js';
import { applyCsp, lockNavigation } from './security.js';
import { registerDesktopIpc } from './ipc.js';
import { startLocalAgent, type LocalAgent } from './local-agent.js';
import { desktopLaunch } from './launch.js';
import { runNotifier } from './run-notifications.js';

const log = createLogger('desktop', (line) => process.stderr.write(line));
let server: DirectordServer | null = null;
let agent: LocalAgent | null = null;
let window: BrowserWindow | null = null;
let disposeIpc: (() => void) | null = null;

async function launch(): Promise<void> {
  const paths = shellPaths(__dirname);
  // A random free loopback port and a per-launch console secret (electron/launch.ts).
  const desktop = desktopLaunch();
  server = await createServer({
    dataDir: paths.dataDir,
    ...desktop.server,
    staticDir: paths.rendererDir,
    sqliteNativeBinding: paths.sqliteNativeBinding,
    log: log.child('server'),
    // User components (DATA_DIR/components/*.mjs) load through this, as with `directord serve`.
    importModule,
    // What the Hosts page's "Add hosts" installs over SSH.
    agentBundle: paths.agentBundle,
    // A run that ends while the window is in the background shows an OS notification.
    onRunEvent: runNotifier(() => window),
  });
  const origin = new URL(server.url).origin;
  agent = startLocalAgent({
    bundle: paths.agentBundle,
    serverUrl: server.url,
    key: server.agentKey,
    dataDir: paths.dataDir,
    log: log.child('agent'),
  });
  applyCsp(session.defaultSession, origin);
  // The console's socket signs in with the launch secret too; ui.token never reaches the window.
  disposeIpc = registerDesktopIpc(() => window, { url: server.url, token: desktop.launchToken });

  window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Directord Console',
    show: false,
    webPreferences: { preload: paths.preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  lockNavigation(window, origin);
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  await window.loadURL(desktop.consoleUrl(server.url));
}

async function shutdown(): Promise<void> {
  disposeIpc?.();
  await agent?.stop();
  await server?.close();
  agent = null;
  server = null;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app
    .whenReady()
    .then(launch)
    .catch((error: unknown) => {
      log.error('failed to start', { error: String(error) });
      app.exit(1);
    });
  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    shutdown().finally(() => app.exit(0));
  });
}
