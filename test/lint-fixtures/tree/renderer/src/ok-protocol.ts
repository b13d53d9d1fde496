// Breaks nothing: renderer/ may import protocol/.
import { contract } from '../../protocol/contract.js';
export const value = contract;
