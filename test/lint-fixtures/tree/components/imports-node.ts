// Breaks no-node-in-portable-layers.
import { readFileSync } from 'node:fs';
export const read = readFileSync;
