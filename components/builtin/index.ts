/** The components every agent ships, in palette order. */
import type { Component } from '../define.js';
import { ARG } from './ARG.js';
import { CACHEEVICT } from './CACHEEVICT.js';
import { ECHO } from './ECHO.js';
import { ENV } from './ENV.js';
import { QUEUESENTINEL } from './QUEUESENTINEL.js';
import { RUN } from './RUN.js';
import { WORKDIR } from './WORKDIR.js';

export { ARG, CACHEEVICT, ECHO, ENV, QUEUESENTINEL, RUN, WORKDIR };

export const builtinComponents: Component[] = [RUN, ARG, ENV, WORKDIR, CACHEEVICT, QUEUESENTINEL, ECHO];
