/** Rollout rows (issue #17, migration 0010). */
import type { HaltReason, RolloutState } from '../../../protocol/rollouts.js';
import type { Db } from './open.js';
import type { RolloutProgress, RolloutRow, RolloutsStore, RolloutsWrites } from '../types.js';

type Sql = {
  run_id: string;
  entry: number;
  name: string | null;
  mode: 'serial' | 'concurrency';
  waves: string;
  job_ids: string;
  spec: string;
  released: number;
  state: RolloutState;
  halt_reason: string | null;
  accepted: string;
  resume_at: number | null;
  updated_at: number;
};

function fromSql(r: Sql): RolloutRow {
  const spec = JSON.parse(r.spec) as { maxFailPercentage: number; pause: number; approve: boolean; concurrency: number | null };
  return {
    runId: r.run_id,
    entry: r.entry,
    name: r.name,
    mode: r.mode,
    waves: JSON.parse(r.waves) as string[][],
    jobIds: JSON.parse(r.job_ids) as string[],
    ...spec,
    released: r.released,
    state: r.state,
    haltReason: r.halt_reason ? (JSON.parse(r.halt_reason) as HaltReason) : null,
    accepted: JSON.parse(r.accepted) as string[],
    resumeAt: r.resume_at,
    updatedAt: r.updated_at,
  };
}

export function createRolloutsSql(db: Db): { store: RolloutsStore; writes: RolloutsWrites } {
  const insert =
    db.prepare(`INSERT INTO rollouts (run_id, entry, name, mode, waves, job_ids, spec, released, state, halt_reason, accepted, resume_at, updated_at)
    VALUES (@run_id, @entry, @name, @mode, @waves, @job_ids, @spec, @released, @state, @halt_reason, @accepted, @resume_at, @updated_at)`);
  const progress = db.prepare(`UPDATE rollouts SET released = @released, state = @state, halt_reason = @halt_reason, accepted = @accepted,
    resume_at = @resume_at, updated_at = @updated_at WHERE run_id = @run_id AND entry = @entry`);
  const open = db.prepare<[], Sql>(
    "SELECT ro.* FROM rollouts ro JOIN runs r ON r.run_id = ro.run_id WHERE r.status = 'running' ORDER BY ro.run_id, ro.entry",
  );
  const ofRun = db.prepare<[string], Sql>('SELECT * FROM rollouts WHERE run_id = ? ORDER BY entry');
  const progressParams = (p: RolloutProgress) => ({
    run_id: p.runId,
    entry: p.entry,
    released: p.released,
    state: p.state,
    halt_reason: p.haltReason ? JSON.stringify(p.haltReason) : null,
    accepted: JSON.stringify(p.accepted),
    resume_at: p.resumeAt,
    updated_at: p.updatedAt,
  });
  return {
    store: {
      open: async () => open.all().map(fromSql),
      ofRun: async (runId) => ofRun.all(runId).map(fromSql),
    },
    writes: {
      insert(row) {
        insert.run({
          ...progressParams(row),
          name: row.name,
          mode: row.mode,
          waves: JSON.stringify(row.waves),
          job_ids: JSON.stringify(row.jobIds),
          spec: JSON.stringify({
            maxFailPercentage: row.maxFailPercentage,
            pause: row.pause,
            approve: row.approve,
            concurrency: row.concurrency,
          }),
        });
      },
      progress(p) {
        progress.run(progressParams(p));
      },
    },
  };
}
