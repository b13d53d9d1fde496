// Breaks not-to-unresolvable.
import { gone } from './no-such-module.js';
export const value = gone;
