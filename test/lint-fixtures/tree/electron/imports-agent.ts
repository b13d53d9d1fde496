// Breaks electron-not-to-clients.
import { agent } from '../agent/index.js';
export const value = agent;
