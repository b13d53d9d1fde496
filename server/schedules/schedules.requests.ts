/** The `/ui` requests of schedules (also `POST /api/ui/schedules:*` for the CLI). */
import { ok } from '../../protocol/result.js';
import type { On } from '../ui/ui.requests.js';
import type { SchedulesService } from './schedules.service.js';
import type { AutomationExport } from './automation-export.js';

export function scheduleRequests(schedules: SchedulesService): (on: On) => void {
  return (on) => {
    on('schedules:add', (payload) => schedules.add(payload));
    on('schedules:list', async () => ok(await schedules.list()));
    on('schedules:pause', (payload) => schedules.setEnabled(payload, false));
    on('schedules:resume', (payload) => schedules.setEnabled(payload, true));
    on('schedules:remove', (payload) => schedules.remove(payload));
  };
}

/** A Library item's automation in its export and import. */
export function automationExportRequests(exporter: AutomationExport): (on: On) => void {
  return (on) => {
    on('library:automation', (payload) => exporter.exportOf(payload));
    on('library:restore-automation', (payload) => exporter.restore(payload));
  };
}
