/**
 * SSH bootstraps started from the console ("Add hosts"): `hosts:bootstrap`, then the live state of
 * each host from `bootstrap:progress` / `bootstrap:finished`.
 */
import type { BootstrapFailure, BootstrapFinished, BootstrapProgress, BootstrapRequest, BootstrapStep } from '#protocol/bootstrap.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export type HostBootstrapState = {
  host: string;
  identity: string;
  step: BootstrapStep | 'waiting';
  state: 'waiting' | 'running' | 'done' | 'failed';
  message: string;
  failure?: BootstrapFailure;
};

export type BootstrapView = { id: string; hosts: HostBootstrapState[]; finished: boolean };

/** A bootstrap finishes on the server (minutes); the request itself answers at once. */
const START_TIMEOUT_MS = 30_000;

export class BootstrapStore {
  current = $state<BootstrapView | null>(null);
  /** The last request started, so some of its hosts can be tried again with the same settings. */
  #last: BootstrapRequest | null = null;

  constructor() {
    client.on('bootstrap:progress', (event) => this.#progress(event));
    client.on('bootstrap:finished', (event) => this.#finished(event));
  }

  async start(request: BootstrapRequest): Promise<Result<null>> {
    const r = await client.requestWithTimeout(START_TIMEOUT_MS, 'hosts:bootstrap', request);
    if (!r.ok) return r;
    this.#last = request;
    this.current = {
      id: r.value.bootstrapId,
      hosts: r.value.hosts.map((h) => ({ host: h.host, identity: h.identity, step: 'waiting', state: 'waiting', message: 'queued' })),
      finished: false,
    };
    return { ok: true, value: null };
  }

  /** Starts the last bootstrap again for `hosts` (address lines as given), with the same settings. */
  retry(hosts: string[]): Promise<Result<null>> {
    if (!this.#last) return Promise.resolve({ ok: false, error: { code: 'invalid-payload', message: 'nothing to retry' } });
    return this.start({ ...this.#last, hosts });
  }

  clear(): void {
    this.current = null;
  }

  #progress(event: BootstrapProgress): void {
    const view = this.current;
    if (!view || view.id !== event.bootstrapId) return;
    const host = view.hosts.find((h) => h.host === event.host);
    if (!host) return;
    host.step = event.step;
    host.state = event.state === 'done' && event.step !== 'online' ? 'running' : event.state;
    host.message = event.message;
    if (event.failure) host.failure = event.failure;
  }

  #finished(event: BootstrapFinished): void {
    const view = this.current;
    if (!view || view.id !== event.bootstrapId) return;
    for (const result of event.results) {
      const host = view.hosts.find((h) => h.host === result.host);
      if (!host) continue;
      host.state = result.ok ? 'done' : 'failed';
      if (result.failure) host.failure = result.failure;
    }
    view.finished = true;
  }
}

export const bootstrap = new BootstrapStore();
