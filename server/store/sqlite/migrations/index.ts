/** Every migration, in order. Add a file `000N-name.ts` and list it here; never edit a released one. */
import type { Migration } from '../migrate.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-blobs.js';
import { migration0003 } from './0003-enrolment.js';
import { migration0004 } from './0004-lost-targets.js';
import { migration0005 } from './0005-library-attachments.js';
import { migration0009 } from './0009-teams.js';

/**
 * 0006–0008 belong to branches not merged into this one yet (numbers handed out by the
 * coordinator). MERGE: replace each placeholder with the real migration when its branch lands.
 */
const reserved = (version: number): Migration => ({ version, name: `000${version}-reserved`, up: () => undefined });

export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, reserved(6), reserved(7), reserved(8), migration0009];
