/** The main-process side of the narrow desktop bridge (protocol/desktop-bridge.ts). */
import { app, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DESKTOP_CHANNELS, type DesktopConnection, type OpenedFile } from '../protocol/desktop-bridge.js';
import { isTrustedSender } from './security.js';

const MAX_YAML_BYTES = 16 * 1024 * 1024;

export function registerDesktopIpc(getWindow: () => BrowserWindow | null, connection: DesktopConnection): () => void {
  const origin = new URL(connection.url).origin;
  const guard =
    <A extends unknown[], R>(handler: (...args: A) => Promise<R>) =>
    async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<R> => {
      if (!isTrustedSender(event.senderFrame?.url, origin)) throw new Error('refused: untrusted sender');
      return handler(...(args as A));
    };

  ipcMain.handle(
    DESKTOP_CHANNELS.connection,
    guard(async () => connection),
  );
  ipcMain.handle(
    DESKTOP_CHANNELS.appVersion,
    guard(async () => app.getVersion()),
  );
  ipcMain.handle(
    DESKTOP_CHANNELS.openYamlFile,
    guard(async (): Promise<OpenedFile | null> => {
      const win = getWindow();
      const options = { properties: ['openFile' as const], filters: [{ name: 'Orchestrations', extensions: ['yaml', 'yml'] }] };
      const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      const path = picked.filePaths[0];
      if (picked.canceled || !path) return null;
      const text = await readFile(path, 'utf8');
      if (Buffer.byteLength(text) > MAX_YAML_BYTES) throw new Error(`${path} is larger than 16 MiB`);
      return { name: basename(path), text };
    }),
  );
  ipcMain.handle(
    DESKTOP_CHANNELS.saveYamlFile,
    guard(async (defaultName: unknown, text: unknown): Promise<{ path: string } | null> => {
      if (typeof defaultName !== 'string' || typeof text !== 'string') throw new Error('saveYamlFile(name: string, text: string)');
      if (Buffer.byteLength(text) > MAX_YAML_BYTES) throw new Error('orchestration is larger than 16 MiB');
      const win = getWindow();
      const options = { defaultPath: basename(defaultName), filters: [{ name: 'Orchestrations', extensions: ['yaml', 'yml'] }] };
      const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      if (picked.canceled || !picked.filePath) return null;
      await writeFile(picked.filePath, text, 'utf8');
      return { path: picked.filePath };
    }),
  );
  return () => {
    for (const channel of Object.values(DESKTOP_CHANNELS)) ipcMain.removeHandler(channel);
  };
}
