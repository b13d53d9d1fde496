// Lint fixture: linted as renderer/src/lib/fixture.ts; must PASS: #protocol/* and #components/* are the renderer's aliases.
import { ok } from '#protocol/result.js';
import { tokenize } from '#components/tokenize.js';
export const both = [ok(1), tokenize];
