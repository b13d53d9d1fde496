import { defineCacheComponent } from './cache-values.js';

/** ARG (spec 4.4): `ARG [--extend-args] KEY VALUE` sets a template argument on the target. */
export const ARG = defineCacheComponent('ARG');
