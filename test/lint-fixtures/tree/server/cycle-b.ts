import type { A } from './cycle-a.js';
export type B = { a?: A };
