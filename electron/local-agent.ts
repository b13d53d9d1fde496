/**
 * The desktop app's own agent (this machine), run as an Electron utility process so a crash in
 * a job never takes the window down. Restarted with backoff while the app runs.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../protocol/log.js';

export type LocalAgent = Readonly<{ identity: string; stop(): Promise<void> }>;

export function startLocalAgent(options: { bundle: string; serverUrl: string; key: string; dataDir: string; log: Logger }): LocalAgent {
  const identity = hostname().replace(/[^A-Za-z0-9_.:@-]/g, '-') || 'localhost';
  let child: UtilityProcess | null = null;
  let stopping = false;
  let restarts = 0;

  const spawn = () => {
    child = utilityProcess.fork(
      options.bundle,
      ['--server', options.serverUrl, '--identity', identity, '--cache-dir', join(options.dataDir, 'agents', identity)],
      { serviceName: 'Directord local agent', stdio: 'inherit', env: { ...process.env, DIRECTORD_AGENT_KEY: options.key } },
    );
    child.on('exit', (code) => {
      child = null;
      if (stopping) return;
      const delay = Math.min(30_000, 500 * 2 ** restarts++);
      options.log.warn('local agent exited; restarting', { code, delayMs: delay });
      setTimeout(() => {
        if (!stopping) spawn();
      }, delay);
    });
  };
  spawn();

  return {
    identity,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        const current = child;
        if (!current) return resolve();
        const timer = setTimeout(() => {
          current.kill();
          resolve();
        }, 5000);
        current.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        current.postMessage({ type: 'shutdown' });
        current.kill();
      }),
  };
}
