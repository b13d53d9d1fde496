import { defineCacheComponent } from './cache-values.js';

/** ENV (spec 4.4): `ENV [--extend-args] KEY VALUE` sets an environment variable for later commands. */
export const ENV = defineCacheComponent('ENV');
