#!/usr/bin/env node
// The `directord` command. Runs the bundle built by `npm run build` (run by `npm ci`);
// in a checkout that was not built, runs the TypeScript sources in this same process through
// tsx (in-process, so signals reach the command itself).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli', 'main.js');
if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
