/** The components every agent ships, in palette order (the order of spec §4). */
import type { Component } from '../define.js';
import { ADD } from './ADD.js';
import { ARG } from './ARG.js';
import { CACHEEVICT } from './CACHEEVICT.js';
import { CACHEFILE } from './CACHEFILE.js';
import { CONTAINER_CONFIG_DATA } from './CONTAINER_CONFIG_DATA.js';
import { CONTAINER_IMAGE } from './CONTAINER_IMAGE.js';
import { COPY } from './COPY.js';
import { DNF } from './DNF.js';
import { ECHO } from './ECHO.js';
import { ENV } from './ENV.js';
import { FACTER } from './FACTER.js';
import { JOB_WAIT } from './JOB_WAIT.js';
import { POD } from './POD.js';
import { QUERY } from './QUERY.js';
import { QUERY_WAIT } from './QUERY_WAIT.js';
import { QUEUESENTINEL } from './QUEUESENTINEL.js';
import { REBOOT } from './REBOOT.js';
import { RUN } from './RUN.js';
import { SECONTEXT } from './SECONTEXT.js';
import { SERVICE } from './SERVICE.js';
import { WAIT } from './WAIT.js';
import { WORKDIR } from './WORKDIR.js';

export {
  ADD,
  ARG,
  CACHEEVICT,
  CACHEFILE,
  CONTAINER_CONFIG_DATA,
  CONTAINER_IMAGE,
  COPY,
  DNF,
  ECHO,
  ENV,
  FACTER,
  JOB_WAIT,
  POD,
  QUERY,
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
  ADD,
  COPY,
  WORKDIR,
  CACHEFILE,
  CACHEEVICT,
  QUEUESENTINEL,
  QUERY,
  DNF,
  SERVICE,
  WAIT,
  ECHO,
  QUERY_WAIT,
  JOB_WAIT,
  REBOOT,
  FACTER,
  POD,
  CONTAINER_IMAGE,
  CONTAINER_CONFIG_DATA,
  SECONTEXT,
];
