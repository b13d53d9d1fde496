// Breaks shipped-code-not-to-tests.
import { helper } from './testing/helper.js';
export const value = helper;
