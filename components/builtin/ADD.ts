import { defineTransferComponent } from './transfer.js';

/** ADD (spec 4.5): copy files from the operator's machine to the target; see transfer.ts. */
export const ADD = defineTransferComponent('ADD');
