/** Schedule records: add (validated), list with the next five fire times, pause, resume, remove. */
import { randomUUID } from 'node:crypto';
import { ScheduleAddSchema, ScheduleNameSchema, type ScheduleAdd, type ScheduleInfo } from '../../protocol/automation.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import { loadOrchestration } from '../../components/orchestration.js';
import type { ScheduleRow, Store } from '../store/types.js';
import { parseCron } from './cron.js';
import { libraryIdByName } from './library-ref.js';
import type { Scheduler } from './scheduler.js';
import { describeSource } from './source.js';

const addValidator = compileValidator(ScheduleAddSchema);
const nameValidator = compileValidator(ScheduleNameSchema);

export type SchedulesService = ReturnType<typeof createSchedulesService>;

export function createSchedulesService(
  deps: Readonly<{ store: Pick<Store, 'schedules' | 'library'>; scheduler: Scheduler; clock: () => number }>,
) {
  const { store, scheduler } = deps;

  async function info(row: ScheduleRow): Promise<ScheduleInfo> {
    return {
      name: row.name,
      cron: row.cron,
      tz: row.tz,
      source: await describeSource(row, store.library),
      libraryId: row.libraryId,
      target: row.target,
      misfire: row.misfire,
      overlap: row.overlap,
      enabled: row.enabled,
      createdAt: row.createdAt,
      lastFiredAt: row.lastFiredAt,
      lastRunId: row.lastRunId,
      nextFires: scheduler.upcoming(row, 5),
    };
  }

  const named = async (payload: unknown, what: string): Promise<Result<ScheduleRow>> => {
    const name = nameValidator.parse(payload, what);
    if (!name.ok) return name;
    const row = await store.schedules.byName(name.value);
    return row ? ok(row) : fail('not-found', `no schedule named ${name.value}`);
  };

  return {
    /** A schedule on an item given by id (restores keep the link) or, from requests, by name. */
    async add(payload: unknown, libraryId?: string): Promise<Result<ScheduleInfo>> {
      const request = addValidator.parse(payload, 'schedules:add');
      if (!request.ok) return request;
      const r: ScheduleAdd = request.value;
      const tz = r.tz ?? null;
      const cron = parseCron(r.cron, tz);
      if (!cron.ok) return cron;
      let source: Pick<ScheduleRow, 'libraryId' | 'file' | 'fileText'>;
      if ('library' in r.source) {
        const id = libraryId ? ok(libraryId) : await libraryIdByName(store.library, r.source.library);
        if (!id.ok) return id;
        source = { libraryId: id.value, file: null, fileText: null };
      } else {
        // A broken file is refused now, not at 3 a.m.
        const loaded = loadOrchestration(r.source.text, r.source.file);
        if (!loaded.ok) return loaded;
        source = { libraryId: null, file: r.source.file, fileText: r.source.text };
      }
      const row: ScheduleRow = {
        id: randomUUID(),
        name: r.name,
        cron: r.cron.trim(),
        tz,
        ...source,
        target: r.target ?? null,
        vars: r.vars ?? {},
        misfire: r.misfire ?? 'skip',
        overlap: r.overlap ?? 'skip',
        enabled: true,
        createdAt: deps.clock(),
        lastFiredAt: null,
        lastRunId: null,
        queuedAt: null,
      };
      if (!(await store.schedules.insert(row)))
        return fail('conflict', `a schedule named ${r.name} exists; remove it first (directord schedule rm ${r.name})`, {
          location: { field: 'name' },
        });
      void scheduler.changed();
      return ok(await info(row));
    },
    list: async (): Promise<ScheduleInfo[]> => Promise.all((await store.schedules.all()).map(info)),
    async setEnabled(payload: unknown, enabled: boolean): Promise<Result<ScheduleInfo>> {
      const row = await named(payload, enabled ? 'schedules:resume' : 'schedules:pause');
      if (!row.ok) return row;
      await store.schedules.setEnabled(row.value.name, enabled, deps.clock());
      void scheduler.changed();
      const fresh = await store.schedules.byName(row.value.name);
      return fresh ? ok(await info(fresh)) : fail('not-found', `no schedule named ${row.value.name}`);
    },
    async remove(payload: unknown): Promise<Result<null>> {
      const row = await named(payload, 'schedules:remove');
      if (!row.ok) return row;
      await store.schedules.remove(row.value.name);
      void scheduler.changed();
      return ok(null);
    },
  };
}
