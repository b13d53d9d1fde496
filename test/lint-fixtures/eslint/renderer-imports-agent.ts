// Lint fixture: linted as renderer/src/lib/fixture.ts; must fail.
import { startAgent } from '../../../agent/index.js';
export const start = startAgent;
