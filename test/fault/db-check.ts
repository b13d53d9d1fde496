/**
 * Fault-suite support (not a test file): reads the history file read-only while the server may
 * still be running (WAL) and checks it is consistent.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type DbReport = Readonly<{
  integrity: string[];
  /** Rows of `targets` per job id. */
  targetRows: Record<string, number>;
  /** (job, target) pairs of these jobs stored more than once (the primary key forbids it). */
  duplicateTargets: number;
  /** Output rows whose (job, target, stream, seq) appears more than once. */
  duplicateOutput: number;
  /** State of each (job, target) as stored. */
  states: Record<string, string>;
  /** Stored stdout of each (job, target), chunks joined in seq order. */
  stdout: Record<string, string>;
  /** Stored stdout chunk seqs of each (job, target), in order. */
  stdoutSeqs: Record<string, number[]>;
}>;

export function checkDb(dataDir: string, jobIds: readonly string[]): DbReport {
  const db = new Database(join(dataDir, 'directord.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const targetRows: Record<string, number> = {};
    const states: Record<string, string> = {};
    const stdout: Record<string, string> = {};
    const stdoutSeqs: Record<string, number[]> = {};
    let duplicateTargets = 0;
    let duplicateOutput = 0;
    for (const jobId of jobIds) {
      const rows = db.prepare('SELECT target, state FROM targets WHERE job_id = ? ORDER BY target').all(jobId) as {
        target: string;
        state: string;
      }[];
      targetRows[jobId] = rows.length;
      duplicateTargets += rows.length - new Set(rows.map((r) => r.target)).size;
      for (const r of rows) {
        const key = `${jobId}/${r.target}`;
        states[key] = r.state;
        const chunks = db
          .prepare("SELECT seq, data FROM output WHERE job_id = ? AND target = ? AND stream = 'stdout' ORDER BY seq")
          .all(jobId, r.target) as { seq: number; data: string }[];
        stdout[key] = chunks.map((c) => c.data).join('');
        stdoutSeqs[key] = chunks.map((c) => c.seq);
      }
      duplicateOutput += (
        db
          .prepare('SELECT count(*) AS n FROM (SELECT 1 FROM output WHERE job_id = ? GROUP BY target, stream, seq HAVING count(*) > 1)')
          .get(jobId) as { n: number }
      ).n;
    }
    return { integrity, targetRows, duplicateTargets, duplicateOutput, states, stdout, stdoutSeqs };
  } finally {
    db.close();
  }
}

/** Asserts-friendly check that `text` is exactly `prefix1\n … prefixN\n`: returns null or what is wrong. */
export function numberedLinesProblem(text: string, prefix: string, n: number): string | null {
  const lines = text.split('\n');
  if (lines.at(-1) !== '') return `does not end with a newline (last: ${JSON.stringify(lines.at(-1)?.slice(0, 80))})`;
  lines.pop();
  const seen = new Map<string, number>();
  for (const l of lines) seen.set(l, (seen.get(l) ?? 0) + 1);
  const doubled = [...seen].filter(([, k]) => k > 1).map(([l]) => l);
  const missing: string[] = [];
  for (let i = 1; i <= n; i++) if (!seen.has(`${prefix}${i}`)) missing.push(`${prefix}${i}`);
  const extra = lines.filter((l) => !/^\d+$/.test(l.slice(prefix.length)) || !l.startsWith(prefix));
  const outOfOrder = lines.findIndex((l, i) => l !== `${prefix}${i + 1}`);
  if (!doubled.length && !missing.length && !extra.length && lines.length === n) return null;
  return `${lines.length} lines for ${n}; doubled ${doubled.length} (${doubled.slice(0, 5).join(', ')}), missing ${missing.length} (${missing.slice(0, 5).join(', ')}), foreign ${extra.length} (${extra.slice(0, 3).join(', ')}), first out of order at line ${outOfOrder + 1}`;
}
