// Lint fixture: linted as electron/fixture.ts; must PASS (server/public.ts is the entry).
import { importModule } from '../server/public.js';
export const load = importModule;
