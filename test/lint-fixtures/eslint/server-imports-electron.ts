// Lint fixture: linted as server/fixture.ts; must fail.
import { app } from 'electron';
export const name = app.name;
