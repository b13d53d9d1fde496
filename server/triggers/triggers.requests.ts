/** The `/ui` requests of triggers. */
import { ok } from '../../protocol/result.js';
import type { On } from '../ui/ui.requests.js';
import type { TriggersService } from './triggers.service.js';

export function triggerRequests(triggers: TriggersService): (on: On) => void {
  return (on) => {
    on('triggers:add', (payload) => triggers.add(payload));
    on('triggers:list', async () => ok(await triggers.list()));
    on('triggers:remove', (payload) => triggers.remove(payload));
  };
}
