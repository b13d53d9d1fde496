/** `orchestrate FILE --plan` (issue #17): the steps, the waves, and a host × step table. */
import { PLAN_CELL_TEXT, type RunPlan } from '../../protocol/plan.js';

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

export function planText(file: string, plan: RunPlan): string {
  const out: string[] = [`Plan: ${file} (nothing runs)`];
  plan.steps.forEach((s, i) =>
    out.push(
      `  ${i + 1}. ${s.entryName ? `[${s.entryName}] ` : ''}${s.verb} ${short(s.text.replace(/\s+/g, ' '), 60)}${s.runOnce ? ' (run-once)' : ''}`,
    ),
  );
  for (const w of plan.waves) {
    const label = w.name ?? `entry ${w.entry + 1}`;
    const what = w.mode === 'serial' ? 'waves' : 'one host at a time, capped';
    out.push(
      `Waves of ${label} (${what}${w.shuffled ? ', shuffled at submit' : ''}): ${w.waves.map((h, i) => `${i + 1}: ${h.join(', ')}`).join(' | ')}`,
    );
  }
  const hostWidth = Math.max(4, ...plan.hosts.map((h) => h.host.length));
  const cellWidth = Math.max(...Object.values(PLAN_CELL_TEXT).map((t) => t.length));
  out.push(
    pad('HOST', hostWidth) +
      '  ' +
      plan.steps
        .map((_, i) => pad(String(i + 1), cellWidth))
        .join('  ')
        .trimEnd(),
  );
  for (const h of plan.hosts)
    out.push(
      pad(h.host, hostWidth) +
        '  ' +
        h.cells
          .map((c) => pad(PLAN_CELL_TEXT[c], cellWidth))
          .join('  ')
          .trimEnd(),
    );
  return out.join('\n') + '\n';
}
