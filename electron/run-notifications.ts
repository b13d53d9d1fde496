/**
 * An OS notification when a run ends while the console window is in the background (issue #19).
 * Fed by the embedded server's run events; clicking it brings the window back on that run.
 * Not tested here (it needs a desktop session); the events it reads are tested in server/notify/.
 */
import { Notification, type BrowserWindow } from 'electron';
import type { RunEvent } from '../protocol/automation.js';
import type { RunSummary } from '../protocol/records.js';

const ENDS: ReadonlySet<RunEvent> = new Set(['succeeded', 'failed', 'halted', 'awaiting-approval']);

export function runNotifier(window: () => BrowserWindow | null): (event: RunEvent, run: RunSummary) => void {
  return (event, run) => {
    const w = window();
    if (!ENDS.has(event) || !w || w.isDestroyed() || (w.isFocused() && w.isVisible() && !w.isMinimized())) return;
    if (!Notification.isSupported()) return;
    const hosts = run.targets.length;
    const n = new Notification({
      title: `Run ${event}: ${run.source ?? run.runId}`,
      body: `${hosts} host${hosts === 1 ? '' : 's'}, requested by ${run.requestedBy}`,
      silent: event === 'succeeded',
    });
    n.on('click', () => {
      if (w.isDestroyed()) return;
      if (w.isMinimized()) w.restore();
      w.show();
      w.focus();
      void w.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/run/${encodeURIComponent(run.runId)}`)}`);
    });
    n.show();
  };
}
