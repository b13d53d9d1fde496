// Lint fixture: linted as protocol/fixture.ts; must fail.
import type { DirectordServer } from '../server/public.js';
export type Server = DirectordServer;
