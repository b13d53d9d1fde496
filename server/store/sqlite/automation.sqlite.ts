/** Schedules, notifications with their delivery log, and triggers (issue #19). */
import type {
  DeliveryRow,
  NotificationRow,
  NotificationsStore,
  ScheduleRow,
  ScheduleWrites,
  SchedulesStore,
  TriggerRow,
  TriggersStore,
} from '../types.js';
import type { Db } from './open.js';

type SqlSchedule = {
  id: string;
  name: string;
  cron: string;
  tz: string | null;
  library_id: string | null;
  file: string | null;
  file_text: string | null;
  target: string | null;
  vars: string;
  misfire: 'skip' | 'run-once';
  overlap: 'skip' | 'queue' | 'allow';
  enabled: number;
  created_at: number;
  last_fired_at: number | null;
  last_run_id: string | null;
  queued_at: number | null;
};

type SqlNotification = {
  id: string;
  name: string;
  kind: NotificationRow['kind'];
  destination: string;
  secret: string | null;
  events: string;
  library_id: string | null;
  created_at: number;
};
type SqlDelivery = {
  id: number;
  notification_id: string;
  event: string;
  run_id: string;
  attempt: number;
  status: DeliveryRow['status'];
  detail: string;
  at: number;
};
type SqlTrigger = {
  id: string;
  name: string;
  library_id: string | null;
  file: string | null;
  file_text: string | null;
  target: string | null;
  vars_from: string;
  secret_hash: string;
  hmac_key: string | null;
  created_at: number;
  last_fired_at: number | null;
};

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

const schedule = (r: SqlSchedule): ScheduleRow => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  tz: r.tz,
  libraryId: r.library_id,
  file: r.file,
  fileText: r.file_text,
  target: r.target,
  vars: json<Record<string, unknown>>(r.vars, {}),
  misfire: r.misfire,
  overlap: r.overlap,
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  lastFiredAt: r.last_fired_at,
  lastRunId: r.last_run_id,
  queuedAt: r.queued_at,
});

export function createSchedulesSql(db: Db): { store: SchedulesStore; writes: ScheduleWrites } {
  const all = db.prepare<[], SqlSchedule>('SELECT * FROM schedules ORDER BY name');
  const byName = db.prepare<[string], SqlSchedule>('SELECT * FROM schedules WHERE name = ?');
  const insert =
    db.prepare(`INSERT INTO schedules (id, name, cron, tz, library_id, file, file_text, target, vars, misfire, overlap, enabled, created_at, last_fired_at, last_run_id, queued_at)
    VALUES (@id, @name, @cron, @tz, @libraryId, @file, @fileText, @target, @vars, @misfire, @overlap, @enabled, @createdAt, @lastFiredAt, @lastRunId, @queuedAt)`);
  const setEnabled = db.prepare(`UPDATE schedules SET enabled = @enabled,
    last_fired_at = CASE WHEN @enabled = 1 AND enabled = 0 THEN MAX(COALESCE(last_fired_at, 0), @now) ELSE last_fired_at END WHERE name = @name`);
  const remove = db.prepare('DELETE FROM schedules WHERE name = ?');
  // The guard makes a second commit of the same fire time (a restart at that moment, a timer
  // firing twice) change nothing, so its caller rolls back the run it was about to store.
  const markFired = db.prepare(`UPDATE schedules SET last_fired_at = @at, last_run_id = COALESCE(@runId, last_run_id), queued_at = @queuedAt
    WHERE id = @id AND (last_fired_at IS NULL OR last_fired_at < @at)`);
  const takeQueued = db.prepare(
    'UPDATE schedules SET queued_at = NULL, last_run_id = COALESCE(@runId, last_run_id) WHERE id = @id AND queued_at = @at',
  );
  return {
    store: {
      all: async () => all.all().map(schedule),
      async byName(name) {
        const r = byName.get(name);
        return r ? schedule(r) : undefined;
      },
      async insert(row) {
        try {
          insert.run({ ...row, vars: JSON.stringify(row.vars), enabled: row.enabled ? 1 : 0 });
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      },
      setEnabled: async (name, enabled, now) => setEnabled.run({ enabled: enabled ? 1 : 0, name, now }).changes === 1,
      remove: async (name) => remove.run(name).changes === 1,
    },
    writes: {
      markFired: (id, at, runId, queuedAt) => markFired.run({ id, at, runId, queuedAt }).changes === 1,
      takeQueued: (id, at, runId) => takeQueued.run({ id, at, runId }).changes === 1,
    },
  };
}

const notification = (r: SqlNotification): NotificationRow => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  destination: r.destination,
  secret: r.secret,
  events: json<string[]>(r.events, []),
  libraryId: r.library_id,
  createdAt: r.created_at,
});

export function createNotificationsSql(db: Db): NotificationsStore {
  const all = db.prepare<[], SqlNotification>('SELECT * FROM notifications ORDER BY name');
  const insert = db.prepare(
    'INSERT INTO notifications (id, name, kind, destination, secret, events, library_id, created_at) VALUES (@id, @name, @kind, @destination, @secret, @events, @libraryId, @createdAt)',
  );
  const remove = db.prepare('DELETE FROM notifications WHERE name = ?');
  const log = db.prepare(
    'INSERT INTO deliveries (notification_id, event, run_id, attempt, status, detail, at) VALUES (@notificationId, @event, @runId, @attempt, @status, @detail, @at)',
  );
  const deliveries = db.prepare<{ id: string | null; limit: number }, SqlDelivery>(
    'SELECT * FROM deliveries WHERE @id IS NULL OR notification_id = @id ORDER BY id DESC LIMIT @limit',
  );
  return {
    all: async () => all.all().map(notification),
    async insert(row) {
      try {
        insert.run({ ...row, events: JSON.stringify(row.events) });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    remove: async (name) => remove.run(name).changes === 1,
    logDelivery: async (row) => Number(log.run(row).lastInsertRowid),
    deliveries: async (id, limit) =>
      deliveries.all({ id, limit }).map((r) => ({
        id: r.id,
        notificationId: r.notification_id,
        event: r.event,
        runId: r.run_id,
        attempt: r.attempt,
        status: r.status,
        detail: r.detail,
        at: r.at,
      })),
  };
}

const trigger = (r: SqlTrigger): TriggerRow => ({
  id: r.id,
  name: r.name,
  libraryId: r.library_id,
  file: r.file,
  fileText: r.file_text,
  target: r.target,
  varsFrom: json<string[]>(r.vars_from, []),
  secretHash: r.secret_hash,
  hmacKey: r.hmac_key,
  createdAt: r.created_at,
  lastFiredAt: r.last_fired_at,
});

export function createTriggersSql(db: Db): TriggersStore {
  const all = db.prepare<[], SqlTrigger>('SELECT * FROM triggers ORDER BY name');
  const byId = db.prepare<[string], SqlTrigger>('SELECT * FROM triggers WHERE id = ?');
  const insert =
    db.prepare(`INSERT INTO triggers (id, name, library_id, file, file_text, target, vars_from, secret_hash, hmac_key, created_at, last_fired_at)
    VALUES (@id, @name, @libraryId, @file, @fileText, @target, @varsFrom, @secretHash, @hmacKey, @createdAt, @lastFiredAt)`);
  const remove = db.prepare('DELETE FROM triggers WHERE name = ?');
  const fired = db.prepare('UPDATE triggers SET last_fired_at = ? WHERE id = ?');
  return {
    all: async () => all.all().map(trigger),
    async byId(id) {
      const r = byId.get(id);
      return r ? trigger(r) : undefined;
    },
    async insert(row) {
      try {
        insert.run({ ...row, varsFrom: JSON.stringify(row.varsFrom) });
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    remove: async (name) => remove.run(name).changes === 1,
    markFired: async (id, at) => void fired.run(at, id),
  };
}
