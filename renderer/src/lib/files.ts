/** Opening and saving YAML files: the Electron bridge's native dialogs, else the browser's. */
import { desktop } from './desktop.js';
import { downloadText } from './util/format.js';

export type PickedFile = Readonly<{ name: string; text: string }>;

/** Reads a File picked with an <input type="file">. */
export async function readPicked(input: HTMLInputElement): Promise<PickedFile | null> {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return null;
  return { name: file.name, text: await file.text() };
}

/** With the bridge, shows its open dialog; without, clicks the given file input (its change handler reads the file). */
export async function pickYaml(fallback: HTMLInputElement | undefined): Promise<PickedFile | null> {
  const bridge = desktop();
  if (bridge) return bridge.openYamlFile();
  fallback?.click();
  return null;
}

export async function saveYaml(fileName: string, text: string): Promise<void> {
  const bridge = desktop();
  if (bridge) {
    await bridge.saveYamlFile(fileName, text);
    return;
  }
  downloadText(fileName, text, 'application/yaml');
}
