/**
 * The one bridge the Electron preload exposes to the console as `window.directordDesktop`.
 * Only what the browser cannot do itself: where the embedded server is, native file dialogs,
 * the app version. Absent in a plain browser (`npm run serve`).
 */
export type DesktopConnection = Readonly<{ url: string; token: string }>;
export type OpenedFile = Readonly<{ name: string; text: string }>;

export type DesktopBridge = Readonly<{
  connection(): Promise<DesktopConnection>;
  /** Shows an open dialog for YAML files; null when the user cancels. */
  openYamlFile(): Promise<OpenedFile | null>;
  /** Shows a save dialog and writes `text`; returns the chosen path, or null when cancelled. */
  saveYamlFile(defaultName: string, text: string): Promise<{ path: string } | null>;
  appVersion(): Promise<string>;
}>;

/** IPC channel names between preload and main; all start with `desktop:` so main can refuse others. */
export const DESKTOP_CHANNELS = {
  connection: 'desktop:connection',
  openYamlFile: 'desktop:open-yaml-file',
  saveYamlFile: 'desktop:save-yaml-file',
  appVersion: 'desktop:app-version',
} as const;

export const DESKTOP_BRIDGE_KEY = 'directordDesktop';
