/** SQL for the `agents` table. The registry keeps every row in memory; this is its durable copy. */
import type { AgentFacts, ComponentManifest } from '../../../protocol/agents.js';
import type { AgentBeat, AgentRow, AgentsStore } from '../types.js';
import type { Db } from './open.js';
import { parseJsonArray, parseJsonObject } from '../../util/json.js';
import { isStorageFull } from '../../util/storage.js';

type SqlAgent = {
  identity: string;
  machine_id: string;
  agent_version: string;
  facts: string;
  components: string;
  first_seen: number;
  last_seen: number;
  last_heartbeat: number;
  expires_at: number;
  online: number;
  started_at: number;
  running: number;
  queued: number;
};

/**
 * Presence lives in memory; its copy in SQLite is only what a restarted server starts from. On a
 * full disk that copy is skipped (the next heartbeat after space returns writes it) instead of
 * throwing out of a socket handler or a timer and taking the server down.
 */
function presenceWrite(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if (!isStorageFull(error)) throw error;
  }
}

export function createAgentsSql(db: Db): AgentsStore {
  const all = db.prepare<[], SqlAgent>('SELECT * FROM agents ORDER BY identity');
  const upsert = db.prepare(`
    INSERT INTO agents (identity, machine_id, agent_version, facts, components, first_seen, last_seen, last_heartbeat, expires_at, online, started_at, running, queued)
    VALUES (@identity, @machine_id, @agent_version, @facts, @components, @first_seen, @last_seen, @last_heartbeat, @expires_at, @online, @started_at, @running, @queued)
    ON CONFLICT (identity) DO UPDATE SET
      machine_id = excluded.machine_id, agent_version = excluded.agent_version, facts = excluded.facts,
      components = excluded.components, last_seen = excluded.last_seen, last_heartbeat = excluded.last_heartbeat,
      expires_at = excluded.expires_at, online = excluded.online, started_at = excluded.started_at,
      running = excluded.running, queued = excluded.queued`);
  const heartbeat = db.prepare(
    'UPDATE agents SET last_seen = @lastSeen, last_heartbeat = @lastHeartbeat, expires_at = @expiresAt, running = @running, queued = @queued WHERE identity = @identity',
  );
  const setOnline = db.prepare('UPDATE agents SET online = @online, last_seen = @lastSeen WHERE identity = @identity');
  const allOffline = db.prepare('UPDATE agents SET online = 0 WHERE online = 1');
  const remove = db.prepare('DELETE FROM agents WHERE identity = ?');

  const fromSql = (r: SqlAgent): AgentRow => ({
    identity: r.identity,
    machineId: r.machine_id,
    agentVersion: r.agent_version,
    facts: parseJsonObject(r.facts) as AgentFacts,
    components: parseJsonArray(r.components) as ComponentManifest[],
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    lastHeartbeat: r.last_heartbeat,
    expiresAt: r.expires_at,
    online: r.online === 1,
    startedAt: r.started_at,
    running: r.running,
    queued: r.queued,
  });

  const removeAll = db.transaction((identities: readonly string[]): number => {
    let n = 0;
    for (const id of identities) n += remove.run(id).changes;
    return n;
  });

  return {
    all: async () => all.all().map(fromSql),
    async upsert(row) {
      upsert.run({
        identity: row.identity,
        machine_id: row.machineId,
        agent_version: row.agentVersion,
        facts: JSON.stringify(row.facts),
        components: JSON.stringify(row.components),
        first_seen: row.firstSeen,
        last_seen: row.lastSeen,
        last_heartbeat: row.lastHeartbeat,
        expires_at: row.expiresAt,
        online: row.online ? 1 : 0,
        started_at: row.startedAt,
        running: row.running,
        queued: row.queued,
      });
    },
    async heartbeat(row: AgentBeat) {
      presenceWrite(() => heartbeat.run(row));
    },
    async setOnline(identity, online, lastSeen) {
      presenceWrite(() => setOnline.run({ identity, online: online ? 1 : 0, lastSeen }));
    },
    markAllOffline: async () => allOffline.run().changes,
    remove: async (identities) => removeAll(identities),
  };
}
