/** The agent's settings once its flags are read (agent/cli.ts); its own module so service.ts needs no cli.ts. */
import type { EnrolmentState } from './enrolment.js';

export type ResolvedCli = Readonly<{
  serverUrl: string;
  /** Set when the URL came from server.json: read it again if the server cannot be reached. */
  serverInfoPath?: string;
  /** Local agents: the server's agent key. */
  key?: string;
  /** The stored enrolment (credential + pinned fingerprint), when this agent is enrolled. */
  enrolment?: EnrolmentState;
  /** First start of an agent to enrol. */
  token?: string;
  fingerprint?: string;
  /** With a token: wait (retrying) for a server that cannot be reached yet; false exits 1 at once. */
  enrolWait: boolean;
  identity: string;
  cacheDir: string;
  machineId?: string;
  executor?: 'fork-server' | 'spawn';
  shellPerJob: boolean;
  debug: boolean;
}>;
