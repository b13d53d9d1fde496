/**
 * Sandboxed preload: exposes exactly DesktopBridge as `window.directordDesktop`, never ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_BRIDGE_KEY, DESKTOP_CHANNELS, type DesktopBridge } from '../protocol/desktop-bridge.js';

const bridge: DesktopBridge = {
  connection: () => ipcRenderer.invoke(DESKTOP_CHANNELS.connection),
  openYamlFile: () => ipcRenderer.invoke(DESKTOP_CHANNELS.openYamlFile),
  saveYamlFile: (defaultName, text) => ipcRenderer.invoke(DESKTOP_CHANNELS.saveYamlFile, defaultName, text),
  appVersion: () => ipcRenderer.invoke(DESKTOP_CHANNELS.appVersion),
};

contextBridge.exposeInMainWorld(DESKTOP_BRIDGE_KEY, bridge);
