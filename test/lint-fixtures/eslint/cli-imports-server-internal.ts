// Lint fixture: linted as cli/commands/fixture.ts; must fail.
import { loadCatalogs } from '../../server/bootstrap/catalog.js';
export const load = loadCatalogs;
