/** Every migration, in order. Add a file `000N-name.ts` and list it here; never edit a released one. */
import type { Migration } from '../migrate.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-blobs.js';
import { migration0003 } from './0003-enrolment.js';
import { migration0004 } from './0004-lost-targets.js';
import { migration0005 } from './0005-library-attachments.js';
import { migration0011 } from './0011-automation.js';

/**
 * MERGE NOTE (issue #19 branch): 0006–0010 belong to branches not merged yet. Until they are,
 * these no-ops hold their numbers so 0011 applies; replace each with the real migration on merge.
 */
const reserved = (version: number): Migration => ({ version, name: `${String(version).padStart(4, '0')}-reserved`, up: () => {} });

export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  reserved(6),
  reserved(7),
  reserved(8),
  reserved(9),
  reserved(10),
  migration0011,
];
