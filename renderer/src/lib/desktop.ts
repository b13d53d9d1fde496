/** The Electron preload bridge (protocol/desktop-bridge.ts), when the console runs in the desktop app. */
import type { DesktopBridge } from '#protocol/desktop-bridge.js';

declare global {
  interface Window {
    directordDesktop?: DesktopBridge;
  }
}

export function desktop(): DesktopBridge | undefined {
  return typeof window !== 'undefined' ? window.directordDesktop : undefined;
}
