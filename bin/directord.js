#!/usr/bin/env node
// The `directord` command. Runs the bundle built by `npm run build` (run by `npm ci`);
// in a checkout that was not built, runs the TypeScript sources in this same process through
// tsx (in-process, so signals reach the command itself).
// CommonJS (bin/package.json), like the bundle: Node starts its ESM loader only when something
// is imported, which saves ~12 ms on every command (issue #2's cli_exec_wall_ms).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'cli', 'main.js');
const sourceUrl = (file) => require('node:url').pathToFileURL(file).href;
if (existsSync(join(root, 'dist', 'cli', 'package.json'))) {
  // The CommonJS build (its package.json says so).
  require(bundle);
} else if (existsSync(bundle)) {
  // An ESM build from before the CommonJS one (a checkout not rebuilt since): still runs.
  import(sourceUrl(bundle));
} else {
  // The sources are ESM with import.meta: tsx's ESM hooks and a real import(). tsx's ESM API is
  // imported, not required: its CommonJS build (tsx 4.23) points at a file it does not ship.
  import('tsx/esm/api')
    .then(({ register }) => {
      register();
      return import(sourceUrl(join(root, 'cli', 'main.ts')));
    })
    .catch((error) => {
      console.error(`directord: cannot load the sources through tsx: ${error instanceof Error ? error.stack : String(error)}`);
      process.exitCode = 1;
    });
}
