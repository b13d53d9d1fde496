/**
 * Targets marked `lost` still accept their agent's late result for a while (issue #5). An index
 * of them by the time they were lost lets a restarted server find the recent ones again.
 */
import type { Migration } from '../migrate.js';

export const migration0004: Migration = {
  version: 4,
  name: '0004-lost-targets',
  up: (db) => {
    db.exec(`CREATE INDEX targets_lost ON targets (finished_at) WHERE state = 'lost';`);
  },
};
