/**
 * The agent's side of enrolment (issue #5): one connection with the token, `agent:enrol`, and the
 * answer (its own credential) stored with the server's pinned certificate fingerprint in
 * CACHE_DIR/enrolment.json (0600). Later starts present the credential and verify the pin.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { AGENT_NAMESPACE } from '../protocol/agent-events.js';
import type { AgentEnrolled } from '../protocol/enrolment.js';
import { fail, ok, type Result } from '../protocol/result.js';
import { certificateChangedMessage, pinnedAgent } from './tls-pin.js';

export const ENROLMENT_FILE = 'enrolment.json';

export type EnrolmentState = Readonly<{
  server: string;
  identity: string;
  credential: string;
  /** SHA-256 fingerprint of the server certificate; null when enrolled over plain HTTP (loopback). */
  fingerprint: string | null;
  enrolledAt: number;
}>;

export const enrolmentPath = (cacheDir: string) => join(cacheDir, ENROLMENT_FILE);

/** The stored enrolment, null when there is none; throws with the path when it is unreadable. */
export function readEnrolment(cacheDir: string): EnrolmentState | null {
  const path = enrolmentPath(cacheDir);
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}; remove it and enrol again with a new token`);
  }
  const v = value as Partial<Record<keyof EnrolmentState, unknown>>;
  if (
    typeof v.server !== 'string' ||
    typeof v.identity !== 'string' ||
    typeof v.credential !== 'string' ||
    !(typeof v.fingerprint === 'string' || v.fingerprint === null)
  ) {
    throw new Error(
      `${path} is not an enrolment record (server, identity, credential, fingerprint); remove it and enrol again with a new token`,
    );
  }
  return {
    server: v.server,
    identity: v.identity,
    credential: v.credential,
    fingerprint: v.fingerprint,
    enrolledAt: typeof v.enrolledAt === 'number' ? v.enrolledAt : 0,
  };
}

export function saveEnrolment(cacheDir: string, state: EnrolmentState): string {
  const path = enrolmentPath(cacheDir);
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(`${path}.tmp`, 0o600);
  renameSync(`${path}.tmp`, path);
  return path;
}

export type EnrolOptions = Readonly<{
  serverUrl: string;
  identity: string;
  machineId: string;
  token: string;
  /** Require this certificate at first contact (printed with the token); otherwise trust the first one seen. */
  fingerprint?: string;
  timeoutMs?: number;
}>;

type ConnectError = Error & { data?: { code?: string; message?: string } };

/** Presents the token once; resolves with the credential and the fingerprint seen, or why not. */
export function enrol(options: EnrolOptions): Promise<Result<{ credential: string; fingerprint: string | null }>> {
  const secure = options.serverUrl.startsWith('https:');
  let seen: string | null = null;
  let mismatch: string | null = null;
  const agent = secure
    ? pinnedAgent({
        expected: () => options.fingerprint,
        onSeen: (fp) => (seen = fp),
        onMismatch: (expected, presented) =>
          (mismatch = certificateChangedMessage(options.serverUrl, expected, presented, undefined).replace(
            'changed. Pinned at enrolment',
            'is not the expected one. Expected',
          )),
      })
    : undefined;
  if (!secure && options.fingerprint) {
    return Promise.resolve(
      fail('forbidden', `--fingerprint was given but ${options.serverUrl} is plain HTTP; use the server's https:// URL`),
    );
  }
  const socket = io(`${options.serverUrl.replace(/\/+$/, '')}${AGENT_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { identity: options.identity, enrol: options.token },
    reconnection: false,
    timeout: options.timeoutMs ?? 15_000,
    forceNew: true,
    ...(agent ? { agent: agent as unknown as string } : {}),
  });
  return new Promise((resolve) => {
    const done = (result: Result<{ credential: string; fingerprint: string | null }>) => {
      socket.removeAllListeners();
      socket.disconnect();
      agent?.destroy();
      resolve(result);
    };
    socket.once('connect_error', (error: ConnectError) => {
      if (mismatch) return done(fail('forbidden', mismatch));
      const code = error.data?.code;
      if (code) return done({ ok: false, error: { code: code as 'unauthorized', message: error.data?.message ?? error.message } });
      done(fail('agent-offline', `cannot reach the server at ${options.serverUrl}: ${error.message}`));
    });
    socket.once('connect', () => {
      socket
        .timeout(options.timeoutMs ?? 15_000)
        .emitWithAck('agent:enrol', { identity: options.identity, machineId: options.machineId })
        .then(
          (result: Result<AgentEnrolled>) => done(result.ok ? ok({ credential: result.value.credential, fingerprint: seen }) : result),
          (error: unknown) =>
            done(fail('timeout', `the server did not answer agent:enrol: ${error instanceof Error ? error.message : String(error)}`)),
        );
    });
  });
}
