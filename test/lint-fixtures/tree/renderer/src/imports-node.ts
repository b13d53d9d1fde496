// Breaks no-node-in-portable-layers.
import { createHash } from 'node:crypto';
export const hash = createHash;
