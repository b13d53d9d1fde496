// Lint fixture: linted as agent/fixture.ts; must fail.
import { createServer } from '../server/public.js';
export const make = createServer;
