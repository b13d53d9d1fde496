/**
 * A Library item's schedules, notifications and triggers as part of its export, and their
 * restore on import (semaphore#2671: schedules lost on export). Secrets are never exported: a
 * restored webhook loses its signing secret (listed to set again), Slack notifications (whose URL is the
 * credential) are not exported at all, and a restored trigger gets a
 * fresh secret (shown once in the answer, as `triggers:add` does).
 */
import { RestoreAutomationSchema, type LibraryAutomation } from '../../protocol/automation.js';
import { compileValidator } from '../../protocol/validate.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { Store } from '../store/types.js';
import type { NotifyService } from '../notify/notify.service.js';
import type { TriggersService } from '../triggers/triggers.service.js';
import type { SchedulesService } from './schedules.service.js';

const restoreValidator = compileValidator(RestoreAutomationSchema);

export type AutomationExport = ReturnType<typeof createAutomationExport>;

export function createAutomationExport(
  deps: Readonly<{
    store: Pick<Store, 'schedules' | 'notifications' | 'triggers' | 'library'>;
    schedules: SchedulesService;
    notify: NotifyService;
    triggers: TriggersService;
  }>,
) {
  const { store } = deps;
  return {
    async exportOf(id: unknown): Promise<Result<LibraryAutomation>> {
      const item = typeof id === 'string' ? await store.library.get(id) : undefined;
      if (typeof id !== 'string' || !item) return fail('not-found', `no library item ${String(id)}`);
      const schedules = (await store.schedules.all()).filter((s) => s.libraryId === id);
      // A Slack incoming-webhook URL is itself the credential: it never leaves the server in an export.
      const notifications = (await store.notifications.all()).filter((n) => n.libraryId === id && n.kind !== 'slack');
      const triggers = (await store.triggers.all()).filter((t) => t.libraryId === id);
      return ok({
        schedules: schedules.map((s) => ({
          name: s.name,
          cron: s.cron,
          ...(s.tz ? { tz: s.tz } : {}),
          ...(s.target ? { target: s.target } : {}),
          ...(Object.keys(s.vars).length ? { vars: { ...s.vars } } : {}),
          misfire: s.misfire,
          overlap: s.overlap,
        })),
        notifications: notifications.map((n) => ({
          name: n.name,
          on: n.events as LibraryAutomation['notifications'][number]['on'],
          channel: n.kind === 'email' ? { kind: 'email' as const, to: n.destination } : { kind: 'webhook' as const, url: n.destination },
        })),
        triggers: triggers.map((t) => ({
          name: t.name,
          ...(t.target ? { target: t.target } : {}),
          ...(t.varsFrom.length ? { varsFrom: [...t.varsFrom] } : {}),
          ...(t.hmacKey === null ? { auth: 'bearer' as const } : {}),
        })),
        // Only what differs from the defaults, so an item with none exports as plain YAML.
        ...(item.allowSimultaneous ? { settings: { allowSimultaneous: true } } : {}),
      });
    },
    async restore(payload: unknown): Promise<Result<{ created: string[]; skipped: string[]; secrets: string[] }>> {
      const request = restoreValidator.parse(payload, 'library:restore-automation');
      if (!request.ok) return request;
      const id = request.value.id;
      const item = await store.library.get(id);
      if (!item) return fail('not-found', `no library item ${id}`);
      const a = request.value.automation as Partial<LibraryAutomation>;
      const created: string[] = [];
      const skipped: string[] = [];
      const secrets: string[] = [];
      const note = (what: string, r: Result<unknown>) => (r.ok ? created.push(what) : skipped.push(`${what}: ${r.error.message}`));
      // The item's settings travel with its automation (the import restores them on the new item).
      if (a.settings?.allowSimultaneous !== undefined) await store.library.setAllowSimultaneous(id, a.settings.allowSimultaneous);
      for (const s of Array.isArray(a.schedules) ? a.schedules : [])
        note(`schedule ${String(s?.name)}`, await deps.schedules.add({ ...s, source: { library: item.name } }, id));
      for (const n of Array.isArray(a.notifications) ? a.notifications : []) {
        const r = await deps.notify.add({ ...n, library: id });
        note(`notification ${String(n?.name)}`, r);
        if (r.ok && n.channel?.kind === 'webhook')
          secrets.push(`notification ${n.name}: its signing secret was not exported; remove and add it again with --secret to sign`);
      }
      for (const t of Array.isArray(a.triggers) ? a.triggers : []) {
        const r = await deps.triggers.add({ ...t, source: { library: id } });
        note(`trigger ${String(t?.name)}`, r);
        if (r.ok) secrets.push(`trigger ${r.value.name}: URL path ${r.value.path}, new secret ${r.value.secret}`);
      }
      return ok({ created, skipped, secrets });
    },
  };
}
