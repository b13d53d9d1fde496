/** The components every agent ships, in palette order (the order of spec §4). */
import type { Component } from '../define.js';
import { ARG } from './ARG.js';
import { CACHEEVICT } from './CACHEEVICT.js';
import { CACHEFILE } from './CACHEFILE.js';
import { CONTAINER_CONFIG_DATA } from './CONTAINER_CONFIG_DATA.js';
import { CONTAINER_IMAGE } from './CONTAINER_IMAGE.js';
import { DNF } from './DNF.js';
import { ECHO } from './ECHO.js';
import { ENV } from './ENV.js';
import { FACTER } from './FACTER.js';
import { POD } from './POD.js';
import { QUERY_WAIT } from './QUERY_WAIT.js';
import { QUEUESENTINEL } from './QUEUESENTINEL.js';
import { REBOOT } from './REBOOT.js';
import { RUN } from './RUN.js';
import { SECONTEXT } from './SECONTEXT.js';
import { SERVICE } from './SERVICE.js';
import { WAIT } from './WAIT.js';
import { WORKDIR } from './WORKDIR.js';

export {
  ARG,
  CACHEEVICT,
  CACHEFILE,
  CONTAINER_CONFIG_DATA,
  CONTAINER_IMAGE,
  DNF,
  ECHO,
  ENV,
  FACTER,
  POD,
  QUERY_WAIT,
  QUEUESENTINEL,
  REBOOT,
  RUN,
  SECONTEXT,
  SERVICE,
  WAIT,
  WORKDIR,
};

export const builtinComponents: Component[] = [
  RUN,
  ARG,
  ENV,
  WORKDIR,
  CACHEFILE,
  CACHEEVICT,
  QUEUESENTINEL,
  DNF,
  SERVICE,
  WAIT,
  ECHO,
  QUERY_WAIT,
  REBOOT,
  FACTER,
  POD,
  CONTAINER_IMAGE,
  CONTAINER_CONFIG_DATA,
  SECONTEXT,
];
