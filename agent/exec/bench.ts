/**
 * Quick executor benchmark: N × `echo hello world` through the fork-server pool and through
 * spawn, against a plain shell loop of `/bin/sh -c 'echo hello world' >/dev/null`.
 * Run: node --import tsx agent/exec/bench.ts [N]
 */
import { execFileSync } from 'node:child_process';
import { silentLogger } from '../../protocol/log.js';
import { ForkServerPool } from './fork-pool.js';
import { createSpawnExecutor } from './spawn.js';
import type { Executor } from './types.js';

const n = Number(process.argv[2] ?? 1000);

async function timeExecutor(executor: Executor): Promise<number> {
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await executor.run({ command: 'echo hello world', env: {}, onStdout: (t) => (bytes += t.length), onStderr: () => {} });
    if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}`);
  }
  const ms = performance.now() - start;
  if (bytes !== n * 12) throw new Error(`lost output: ${bytes}`);
  return ms;
}

function timeLoop(): number {
  const start = performance.now();
  execFileSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/sh -c 'echo hello world' >/dev/null; i=$((i+1)); done`]);
  return performance.now() - start;
}

const loop = timeLoop();
const results: Record<string, number> = { 'shell loop': loop };
const pool = new ForkServerPool({ log: silentLogger });
pool.warm();
results['fork-server'] = await timeExecutor(pool);
await pool.close();
results.spawn = await timeExecutor(createSpawnExecutor());
for (const [name, ms] of Object.entries(results)) {
  process.stdout.write(
    `${name.padEnd(12)} ${n} jobs: ${ms.toFixed(0)} ms (${(ms / n).toFixed(3)} ms/job, ${(ms / loop).toFixed(2)}x loop)\n`,
  );
}
