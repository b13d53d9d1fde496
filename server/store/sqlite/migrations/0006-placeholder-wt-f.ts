/**
 * PLACEHOLDER for branch wt-f only: version 6 belongs to another branch's pending migration.
 * The merge drops this file and its line in index.ts; the real 0006 takes its place.
 */
import type { Migration } from '../migrate.js';

export const migration0006: Migration = { version: 6, name: '0006-placeholder-wt-f', up: () => {} };
