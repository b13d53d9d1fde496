/** The `/ui` requests of notifications. */
import { ok } from '../../protocol/result.js';
import type { On } from '../ui/ui.requests.js';
import type { NotifyService } from './notify.service.js';

export function notifyRequests(notify: NotifyService): (on: On) => void {
  return (on) => {
    on('notify:add', (payload) => notify.add(payload));
    on('notify:list', async () => ok(await notify.list()));
    on('notify:test', (payload) => notify.test(payload));
    on('notify:remove', (payload) => notify.remove(payload));
    on('notify:deliveries', (payload) => notify.deliveries(payload));
  };
}
