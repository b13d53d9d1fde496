// Lint fixture: linted as electron/fixture.ts; must fail.
import { importModule } from '../server/components/import-module.js';
export const load = importModule;
