// Lint fixture: linted as renderer/src/lib/fixture.ts; must fail: test helpers never ship, through the alias too.
import { createFakeContext } from '#components/testing.js';
export const fake = createFakeContext;
