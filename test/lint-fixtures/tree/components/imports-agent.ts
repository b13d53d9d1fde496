// Breaks components-only-protocol.
import { agent } from '../agent/index.js';
export const value = agent;
