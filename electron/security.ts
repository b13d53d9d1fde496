/**
 * Window hardening shared by main: a CSP that allows only the embedded server, no new windows,
 * no navigation away from the console. Kept apart from main.ts so it reads as policy.
 */
import type { BrowserWindow, Session } from 'electron';

export function contentSecurityPolicy(serverOrigin: string): string {
  const ws = serverOrigin.replace(/^http/, 'ws');
  return [
    `default-src 'self' ${serverOrigin}`,
    `script-src 'self' ${serverOrigin}`,
    `style-src 'self' 'unsafe-inline' ${serverOrigin}`,
    `img-src 'self' data: ${serverOrigin}`,
    `connect-src 'self' ${serverOrigin} ${ws}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function applyCsp(session: Session, serverOrigin: string): void {
  const csp = contentSecurityPolicy(serverOrigin);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // The console needs no camera, notifications or other permissions.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

export function lockNavigation(window: BrowserWindow, serverOrigin: string): void {
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== serverOrigin) event.preventDefault();
  });
}

/** IPC is accepted only from the console's own top frame, on the server's origin. */
export function isTrustedSender(frameUrl: string | undefined, serverOrigin: string): boolean {
  if (!frameUrl) return false;
  try {
    return new URL(frameUrl).origin === serverOrigin;
  } catch {
    return false;
  }
}
