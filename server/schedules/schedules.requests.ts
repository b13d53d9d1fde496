/** The `/ui` requests of schedules (also `POST /api/ui/schedules:*` for the CLI). */
import { ok } from '../../protocol/result.js';
import type { On } from '../ui/ui.requests.js';
import type { SchedulesService } from './schedules.service.js';

export function scheduleRequests(schedules: SchedulesService): (on: On) => void {
  return (on) => {
    on('schedules:add', (payload) => schedules.add(payload));
    on('schedules:list', async () => ok(await schedules.list()));
    on('schedules:pause', (payload) => schedules.setEnabled(payload, false));
    on('schedules:resume', (payload) => schedules.setEnabled(payload, true));
    on('schedules:remove', (payload) => schedules.remove(payload));
  };
}
