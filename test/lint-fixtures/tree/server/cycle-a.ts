// Breaks no-cycles (with cycle-b.ts): a type-only edge counts too.
import type { B } from './cycle-b.js';
export type A = { b?: B };
