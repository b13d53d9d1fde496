/** Every migration, in order. Add a file `000N-name.ts` and list it here; never edit a released one. */
import type { Migration } from '../migrate.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-blobs.js';
import { migration0003 } from './0003-enrolment.js';
import { migration0004 } from './0004-lost-targets.js';
import { migration0005 } from './0005-library-attachments.js';
import { migration0006 } from './0006-run-outcome.js';
import { migration0007 } from './0007-history-scale.js';
import { migration0008 } from './0008-inventory.js';
import { migration0009 } from './0009-teams.js';
import { migration0010 } from './0010-rollouts.js';
import { migration0011 } from './0011-automation.js';
import { migration0012 } from './0012-smart-groups.js';
import { migration0013 } from './0013-sso.js';
import { migration0014 } from './0014-library-simultaneous.js';

export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
  migration0014,
];
