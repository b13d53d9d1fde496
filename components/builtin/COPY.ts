import { defineTransferComponent } from './transfer.js';

/** COPY (spec 4.5): identical to ADD; see transfer.ts. */
export const COPY = defineTransferComponent('COPY');
