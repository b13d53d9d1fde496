/**
 * PLACEHOLDERS, to be replaced at merge: versions 6–9 belong to other branches in flight (issue
 * #17 was given 0010). They exist only so this branch's databases migrate 1..10 without a gap.
 */
import type { Migration } from '../migrate.js';

const reserved = (version: number): Migration => ({ version, name: `000${version}-reserved`, up: () => {} });

export const migration0006 = reserved(6);
export const migration0007 = reserved(7);
export const migration0008 = reserved(8);
export const migration0009 = reserved(9);
