// Breaks server-through-public-entry.
import { internal } from '../server/internal.js';
export const value = internal;
