/**
 * The `/agent` namespace: key check, hello (fencing, reconciliation), heartbeats and job event
 * batches. Every inbound payload is validated; bad input is refused and the server goes on.
 */
import { AgentHelloSchema, HeartbeatSchema, type AgentWelcome } from '../../protocol/agents.js';
import { BlobGetSchema, JobStatesRequestSchema, type BlobGetResult, type JobStates } from '../../protocol/blobs.js';
import { AgentEnrolSchema, type AgentEnrolled } from '../../protocol/enrolment.js';
import { JobEventBatchSchema } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { Namespace } from 'socket.io';
import type { AgentSocketData, AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { BlobsStore } from '../store/types.js';
import type { BlobStore } from '../blobs/blobs.store.js';
import type { EventsService } from '../jobs/events.service.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { EnrolmentService } from '../enrolment/enrolment.service.js';
import { ackOf, guarded } from '../util/wire.js';
import { authenticateAgent } from './agents.auth.js';
import type { AgentRegistry, AgentSocket } from './agents.service.js';

export type AgentNamespace = Namespace<AgentToServerEvents, ServerToAgentEvents, Record<string, never>, AgentSocketData>;

const enrolValidator = compileValidator(AgentEnrolSchema);
/** After answering `agent:enrol`, the enrolment connection is closed (the agent reconnects with its credential). */
const ENROL_LINGER_MS = 1000;
/** An enrolment connection that does not enrol within this is closed. */
const ENROL_IDLE_MS = 30_000;
const helloValidator = compileValidator(AgentHelloSchema);
const heartbeatValidator = compileValidator(HeartbeatSchema);
const batchValidator = compileValidator(JobEventBatchSchema);
const blobGetValidator = compileValidator(BlobGetSchema);
const jobStatesValidator = compileValidator(JobStatesRequestSchema);

export type AgentHandlerDeps = Readonly<{
  ns: AgentNamespace;
  agentKey: string;
  enrolment: EnrolmentService;
  serverVersion: string;
  heartbeatIntervalMs: number;
  /** Told to agents in the welcome: they send no more output than the server stores. */
  outputCapBytes?: number;
  registry: AgentRegistry;
  jobs: JobsService;
  events: EventsService;
  blobs: Readonly<{ store: BlobStore; repo: BlobsStore }>;
  log: Logger;
}>;

export function registerAgentNamespace(deps: AgentHandlerDeps): void {
  const { ns, registry, log } = deps;
  /** Enrolment connections: socket id → the token they presented (kept out of socket.data). */
  const enrolTokens = new Map<string, string>();

  ns.use((socket, next) => {
    const authenticated = authenticateAgent(
      { agentKey: deps.agentKey, enrolment: deps.enrolment },
      socket.handshake.auth,
      socket.handshake.address,
    );
    if (!authenticated.ok) {
      const { code, message } = authenticated.error;
      log.warn('agent connection refused', { address: socket.handshake.address, code, message });
      const error = new Error(code) as Error & { data?: unknown };
      error.data = { code, message };
      next(error);
      return;
    }
    const { identity, kind, machineId, token } = authenticated.value;
    socket.data = { identity, helloDone: false, auth: kind, ...(machineId !== undefined ? { enrolledMachineId: machineId } : {}) };
    if (token !== undefined) enrolTokens.set(socket.id, token);
    next();
  });

  ns.on('connection', (socket: AgentSocket) => {
    const identity = socket.data.identity;
    if (socket.data.auth === 'enrolment') setTimeout(() => socket.disconnect(true), ENROL_IDLE_MS).unref();
    const refused = (event: string, result: Result<unknown>) => {
      if (!result.ok) log.warn('agent message refused', { identity, event, code: result.error.code, message: result.error.message });
    };

    socket.on('agent:hello', (payload: unknown, rawAck: unknown) => {
      const ack = ackOf<AgentWelcome>(rawAck, log, 'agent:hello');
      void guarded(log, 'agent:hello', async () => {
        if (socket.data.auth === 'enrolment')
          return fail('forbidden', 'this connection presented an enrolment token: send agent:enrol, then reconnect with the credential');
        const hello = helloValidator.parse(payload, 'agent:hello');
        if (!hello.ok) return hello;
        const enrolledFor = socket.data.enrolledMachineId;
        if (enrolledFor !== undefined && hello.value.machineId !== enrolledFor) {
          return fail(
            'forbidden',
            `agent ${identity} was enrolled on machine ${enrolledFor}, not ${hello.value.machineId}: a credential works on its own machine only; enrol this one with a new token`,
          );
        }
        const accepted = await registry.hello(socket, hello.value);
        if (!accepted.ok) return accepted;
        const reconciled = deps.jobs.reconcile(identity, hello.value.activeJobs);
        setImmediate(() => {
          if (socket.connected) reconciled.send();
        });
        return ok({
          serverVersion: deps.serverVersion,
          heartbeatIntervalMs: deps.heartbeatIntervalMs,
          redispatched: reconciled.redispatched,
          ...(deps.outputCapBytes ? { outputCapBytes: deps.outputCapBytes } : {}),
        });
      }).then((result) => {
        refused('agent:hello', result);
        ack(result);
      });
    });

    socket.on('agent:enrol', (payload: unknown, rawAck: unknown) => {
      const ack = ackOf<AgentEnrolled>(rawAck, log, 'agent:enrol');
      void guarded(log, 'agent:enrol', (): Result<AgentEnrolled> | Promise<Result<AgentEnrolled>> => {
        const token = enrolTokens.get(socket.id);
        if (socket.data.auth !== 'enrolment' || token === undefined)
          return fail('forbidden', 'agent:enrol needs a connection authenticated with an enrolment token');
        const request = enrolValidator.parse(payload, 'agent:enrol');
        if (!request.ok) return request;
        if (request.value.identity !== identity)
          return fail('forbidden', `agent:enrol names ${request.value.identity} but the connection said ${identity}`);
        enrolTokens.delete(socket.id);
        return deps.enrolment.redeem(token, identity, request.value.machineId, registry.link.isOnline);
      }).then((result) => {
        refused('agent:enrol', result);
        ack(result);
        setTimeout(() => socket.disconnect(true), ENROL_LINGER_MS).unref();
      });
    });

    socket.on('agent:heartbeat', (payload: unknown) => {
      const beat = heartbeatValidator.parse(payload, 'agent:heartbeat');
      if (!beat.ok) return refused('agent:heartbeat', beat);
      if (!socket.data.helloDone) return refused('agent:heartbeat', fail('forbidden', 'heartbeat before hello'));
      registry.heartbeat(identity, beat.value);
    });

    socket.on('job:events', (payload: unknown, rawAck: unknown) => {
      const ack = ackOf<{ applied: number }>(rawAck, log, 'job:events');
      void guarded(log, 'job:events', () => {
        if (!socket.data.helloDone) return fail('forbidden', 'job:events before agent:hello');
        const batch = batchValidator.parse(payload, 'job:events');
        return batch.ok ? deps.events.apply(identity, batch.value) : batch;
      }).then((result) => {
        refused('job:events', result);
        ack(result);
      });
    });

    // Only blobs of jobs dispatched to this agent (Directord bug 9.17 fixed: no arbitrary paths).
    socket.on('blob:get', (payload: unknown, rawAck: unknown) => {
      const ack = ackOf<BlobGetResult>(rawAck, log, 'blob:get');
      void guarded(log, 'blob:get', async (): Promise<Result<BlobGetResult>> => {
        if (!socket.data.helloDone) return fail('forbidden', 'blob:get before agent:hello');
        const request = blobGetValidator.parse(payload, 'blob:get');
        if (!request.ok) return request;
        const { sha, jobId } = request.value;
        if (!(await deps.blobs.repo.mayRead(identity, jobId, sha)))
          return fail('forbidden', `blob ${sha} is not part of a job given to ${identity}`);
        const offset = request.value.offset ?? 0;
        const piece = deps.blobs.store.read(sha, offset);
        if (!piece) return fail('not-found', `blob ${sha} is no longer stored on the server`);
        return ok({ sha, size: piece.size, offset, content: piece.data.toString('base64') });
      }).then((result) => {
        refused('blob:get', result);
        ack(result);
      });
    });

    socket.on('jobs:state', (payload: unknown, rawAck: unknown) => {
      const ack = ackOf<JobStates>(rawAck, log, 'jobs:state');
      void guarded(log, 'jobs:state', async (): Promise<Result<JobStates>> => {
        if (!socket.data.helloDone) return fail('forbidden', 'jobs:state before agent:hello');
        const request = jobStatesValidator.parse(payload, 'jobs:state');
        if (!request.ok) return request;
        return ok({ states: await deps.blobs.repo.latestStates(request.value.sha, request.value.identities) });
      }).then((result) => {
        refused('jobs:state', result);
        ack(result);
      });
    });

    // A packet socket.io cannot decode surfaces here (then the socket closes as 'forced close').
    socket.on('error', (error: Error) => {
      log.warn('agent connection dropped: malformed message', { identity, error: error.message });
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'transport error' || reason === 'parse error') {
        log.warn('agent connection dropped: malformed or oversized message', { identity, reason });
      }
      enrolTokens.delete(socket.id);
      registry.disconnected(socket, reason);
    });
  });
}
