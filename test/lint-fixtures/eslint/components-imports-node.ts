// Lint fixture: linted as components/builtin/FIXTURE.ts; must fail.
import { readFileSync } from 'fs';
export const read = readFileSync;
