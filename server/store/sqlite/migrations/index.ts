/** Every migration, in order. Add a file `000N-name.ts` and list it here; never edit a released one. */
import type { Migration } from '../migrate.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-blobs.js';
import { migration0003 } from './0003-enrolment.js';
import { migration0004 } from './0004-lost-targets.js';
import { migration0005 } from './0005-library-attachments.js';
import { migration0008 } from './0008-inventory.js';

/**
 * MERGE: stand-ins for 0006 and 0007, which live on branches not merged here yet; the merge
 * replaces these two with the real migrations (numbers must run 1..N without gaps).
 */
const pending = (version: number): Migration => ({ version, name: `000${version}-pending-branch`, up: () => undefined });

export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, pending(6), pending(7), migration0008];
