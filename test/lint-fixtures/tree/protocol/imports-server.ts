// Breaks protocol-is-a-leaf.
import { internal } from '../server/internal.js';
export const value = internal;
