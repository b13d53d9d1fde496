/**
 * The sends to agents the job flow needs: dispatch (resolved by the agent's ack, abandoned when
 * its connection closes), cancel, and user-component installs shipped before the first job that
 * needs them (per connection, in order, so jobs keep their order). Who is connected is asked of
 * presence (`socketOf`); this module keeps only what is in flight.
 */
import type { ComponentManifest } from '../../protocol/agents.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import type { Result } from '../../protocol/result.js';
import type { CacheStates } from '../../protocol/plan.js';
import type { AgentSocket } from './presence.js';

type UserComponent = Readonly<{ verb: string; hash: string; source: string }>;

export type TransportDeps = Readonly<{
  /** The live connection of `identity`, if any. */
  socketOf: (identity: string) => AgentSocket | undefined;
  log: Logger;
  /** How long to wait for an agent to acknowledge a dispatch or an install. */
  ackTimeoutMs: number;
  /** The current user component of a verb (shipped to an agent before its first job that needs it). */
  userComponent?: (verb: string) => UserComponent | undefined;
}>;

export type Transport = ReturnType<typeof createTransport>;

export function createTransport(deps: TransportDeps) {
  const { log, ackTimeoutMs } = deps;
  /** Dispatches awaiting the agent's ack, per connection; abandoned when it closes. */
  const pending = new Map<AgentSocket, Set<() => void>>();
  /** Per agent: the user components (verb → hash) it has, from its hello and our installs. */
  const installed = new Map<string, Map<string, string>>();
  /** Per connection: installs in flight; later dispatches wait for them so jobs keep their order. */
  const installing = new Map<AgentSocket, Promise<void>>();

  function installsFor(identity: string, jobs: readonly DispatchedJob[]): UserComponent[] {
    if (!deps.userComponent) return [];
    const have = installed.get(identity);
    const out = new Map<string, UserComponent>();
    for (const job of jobs) {
      if (out.has(job.verb)) continue;
      const user = deps.userComponent(job.verb);
      if (user && have?.get(user.verb) !== user.hash) out.set(job.verb, user);
    }
    return [...out.values()];
  }

  async function install(socket: AgentSocket, identity: string, needed: readonly UserComponent[]): Promise<void> {
    for (const c of needed) {
      try {
        const result = await socket
          .timeout(ackTimeoutMs)
          .emitWithAck('component:install', { verb: c.verb, hash: c.hash, source: c.source });
        if (!result.ok) {
          log.warn('agent refused a user component', {
            identity,
            verb: c.verb,
            hash: c.hash,
            code: result.error.code,
            message: result.error.message,
          });
          continue;
        }
        let have = installed.get(identity);
        if (!have) installed.set(identity, (have = new Map()));
        have.set(c.verb, c.hash);
        log.info('user component installed on agent', { identity, verb: c.verb, hash: c.hash });
      } catch (error) {
        log.warn('user component install not acknowledged', {
          identity,
          verb: c.verb,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  function abandon(socket: AgentSocket): void {
    const set = pending.get(socket);
    pending.delete(socket);
    for (const giveUp of set ?? []) giveUp();
  }

  function emitDispatch(socket: AgentSocket, identity: string, jobs: DispatchedJob[]): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let set = pending.get(socket);
      if (!set) pending.set(socket, (set = new Set()));
      const settle = (acked: boolean, why?: string) => {
        clearTimeout(timer);
        set.delete(abandon);
        if (!acked) log.warn('dispatch not acknowledged', { identity, jobs: jobs.length, why });
        resolve(acked);
      };
      const abandon = () => settle(false, 'connection closed');
      // Our own timer (unref'd, cleared on disconnect) instead of socket.timeout(), whose
      // timer would outlive the connection.
      const timer = setTimeout(() => settle(false, 'timeout'), ackTimeoutMs);
      timer.unref();
      set.add(abandon);
      socket.emit('job:dispatch', jobs, (result: Result<{ accepted: number }>) => {
        if (!set.has(abandon)) return;
        settle(result?.ok === true, result && !result.ok ? result.error?.message : undefined);
      });
    });
  }

  return {
    /** Sends jobs; resolves true once the agent acknowledged them. */
    dispatch(identity: string, jobs: DispatchedJob[]): Promise<boolean> {
      const socket = deps.socketOf(identity);
      if (!socket) return Promise.resolve(false);
      const prior = installing.get(socket);
      if (!prior && installsFor(identity, jobs).length === 0) return emitDispatch(socket, identity, jobs);
      const ready = (prior ?? Promise.resolve()).then(() => install(socket, identity, installsFor(identity, jobs)));
      installing.set(socket, ready);
      void ready.then(() => {
        if (installing.get(socket) === ready) installing.delete(socket);
      });
      return ready.then(() => (socket.connected ? emitDispatch(socket, identity, jobs) : false));
    },
    cancel(identity: string, jobIds: string[]): void {
      const socket = deps.socketOf(identity);
      if (socket && jobIds.length) socket.emit('job:cancel', jobIds);
    },
    /** Read-only: the agent's cached outcome per job SHA (a plan); an error value when it cannot answer. */
    async cacheQuery(identity: string, shas: string[]): Promise<Result<CacheStates>> {
      const socket = deps.socketOf(identity);
      if (!socket) return { ok: false, error: { code: 'not-found', message: `${identity} is offline` } };
      try {
        return await socket.timeout(ackTimeoutMs).emitWithAck('cache:query', { shas });
      } catch (error) {
        return {
          ok: false,
          error: {
            code: 'timeout',
            message: `${identity} did not answer the cache query: ${error instanceof Error ? error.message : String(error)}`,
          },
        };
      }
    },
    /** The user components an agent listed in its hello (what it has, so nothing is sent twice). */
    hello(identity: string, components: readonly ComponentManifest[]): void {
      installed.set(identity, new Map(components.filter((c) => !c.builtin && c.hash).map((c) => [c.verb, c.hash!] as const)));
    },
    /** A connection closed: its dispatches still waiting for an ack resolve false. */
    abandon,
    /** Abandons every pending dispatch (shutdown). */
    dispose(): void {
      for (const socket of [...pending.keys()]) abandon(socket);
    },
  };
}
