/**
 * Single sign-on users (issue #18): the provider's account a user was created from (`ISSUER#sub`),
 * so a later sign-in whose name claim matches but whose subject differs (a renamed or recycled
 * account at the provider) cannot take the user over. Null for local users.
 */
import type { Migration } from '../migrate.js';

export const migration0013: Migration = {
  version: 13,
  name: '0013-sso',
  up: (db) => {
    db.exec('ALTER TABLE users ADD COLUMN external_id TEXT');
  },
};
