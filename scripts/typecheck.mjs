// Type-checks each layer with its own tsconfig, so a layer's lib/types limits hold (conventions §4.1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['protocol', 'components', 'server', 'agent', 'cli', 'electron', 'renderer'].map((d) => `${d}/tsconfig.json`);
projects.push('tsconfig.test.json');
let failed = false;
for (const project of projects) {
  if (!existsSync(project)) continue;
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`typecheck failed: ${project}`);
    failed = true;
  }
}
if (existsSync('renderer/tsconfig.json')) {
  const r = spawnSync(
    process.execPath,
    ['node_modules/svelte-check/bin/svelte-check', '--tsconfig', 'renderer/tsconfig.json', '--threshold', 'error', '--output', 'human'],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) {
    console.error('svelte-check failed');
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
