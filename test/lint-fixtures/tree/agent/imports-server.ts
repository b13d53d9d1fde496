// Breaks agent-only-protocol-components.
import { entry } from '../server/public.js';
export const value = entry;
