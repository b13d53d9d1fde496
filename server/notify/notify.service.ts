/**
 * Notifications: records (add, list, remove, test) and deliveries on run events. A delivery
 * runs apart from the job flow (after the run event, never awaited by it); each attempt is
 * logged with its status, and a retryable failure is tried again after a growing delay. A slow
 * or failing endpoint only delays its own deliveries.
 */
import { seal, unseal, type SecretsKey } from '../secrets/seal.js';
import { randomUUID } from 'node:crypto';
import {
  DeliveriesRequestSchema,
  NotifyAddSchema,
  ScheduleNameSchema,
  type DeliveryInfo,
  type NotifyInfo,
  type RunEvent,
  type RunEventPayload,
} from '../../protocol/automation.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import { libraryIdByName } from '../schedules/library-ref.js';
import type { NotStarted } from '../schedules/source.js';
import type { NotificationRow, Store } from '../store/types.js';
import { deliverOnce, maskUrl, type SmtpSettings } from './deliver.js';

const addValidator = compileValidator(NotifyAddSchema);
const nameValidator = compileValidator(ScheduleNameSchema);
const deliveriesValidator = compileValidator(DeliveriesRequestSchema);

export type NotifyOptions = Readonly<{
  smtp?: SmtpSettings;
  /** Delays before the 2nd, 3rd… attempt. Default 1 s, 5 s, 30 s, 2 min. */
  retryDelaysMs?: readonly number[];
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
}>;

export type NotifyService = ReturnType<typeof createNotifyService>;

export function createNotifyService(
  deps: Readonly<{
    store: Pick<Store, 'notifications' | 'library' | 'history'>;
    key: SecretsKey;
    clock: () => number;
    log: Logger;
    options?: NotifyOptions;
  }>,
) {
  const { store, clock, log } = deps;
  const delays = deps.options?.retryDelaysMs ?? [1000, 5000, 30_000, 120_000];
  const timeoutMs = deps.options?.timeoutMs ?? 10_000;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  const info = (n: NotificationRow): NotifyInfo => ({
    name: n.name,
    kind: n.kind,
    destination: n.kind === 'email' ? n.destination : maskUrl(n.destination),
    on: n.events as RunEvent[],
    libraryId: n.libraryId,
    hasSecret: n.secret !== null,
    createdAt: n.createdAt,
  });

  async function payloadOf(event: RunEvent, run: RunSummary, libraryId: string | null): Promise<RunEventPayload> {
    const hosts: Record<string, Record<string, number>> = {};
    for (const t of await store.history.targetsOfRun(run.runId)) {
      const h = (hosts[t.target] ??= {});
      h[t.state] = (h[t.state] ?? 0) + 1;
    }
    return {
      event,
      run: {
        runId: run.runId,
        status: run.status,
        source: run.source,
        requestedBy: run.requestedBy,
        createdAt: run.createdAt,
        finishedAt: run.finishedAt,
        targets: run.targets,
      },
      hosts,
      libraryId,
    };
  }

  /** Tries, logs, and schedules the next try; `done` sees every logged attempt. */
  function deliver(n: NotificationRow, payload: RunEventPayload, attempt: number, done?: (d: DeliveryInfo, last: boolean) => void): void {
    if (closed) return;
    // The signing key is stored sealed (secrets.key), opened only to sign.
    const opened: NotificationRow = n.secret === null ? n : { ...n, secret: unseal(deps.key, `notify:${n.id}`, 1, n.secret) };
    const work = deliverOnce(opened, payload, { ...(deps.options?.smtp ? { smtp: deps.options.smtp } : {}), timeoutMs }).then(
      async (result) => {
        const retry = !result.ok && result.retryable && attempt <= delays.length && !closed;
        const status = result.ok ? 'delivered' : retry ? 'retrying' : 'failed';
        const row = {
          notificationId: n.id,
          event: payload.event,
          runId: payload.run.runId,
          attempt,
          status,
          detail: result.detail,
          at: clock(),
        } as const;
        const id = await store.notifications.logDelivery(row).catch((error: unknown) => {
          log.warn('delivery log not stored', { error: String(error) });
          return 0;
        });
        (result.ok ? log.debug : log.warn)(`notification ${status}`, {
          notification: n.name,
          kind: n.kind,
          event: payload.event,
          runId: payload.run.runId,
          attempt,
          detail: result.detail,
        });
        done?.(
          { id, notification: n.name, event: payload.event, runId: payload.run.runId, attempt, status, detail: result.detail, at: row.at },
          !retry,
        );
        if (!retry) return;
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            deliver(n, payload, attempt + 1, done);
          },
          delays[attempt - 1],
        );
        timer.unref();
        timers.add(timer);
      },
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  async function libraryOfRun(run: RunSummary): Promise<string | null> {
    // The stored link first (a console Deploy of an item has its file name as source), then the name.
    const linked = (await store.history.getRun(run.runId))?.library_id;
    if (linked) return linked;
    const source = run.source ?? '';
    if (!source.startsWith('library:')) return null;
    const id = await libraryIdByName(store.library, source.slice('library:'.length));
    return id.ok ? id.value : null;
  }

  return {
    async add(payload: unknown): Promise<Result<NotifyInfo>> {
      const request = addValidator.parse(payload, 'notify:add');
      if (!request.ok) return request;
      const r = request.value;
      const channel = r.channel;
      if (channel.kind !== 'email') {
        let url: URL;
        try {
          url = new URL(channel.url);
        } catch {
          return fail('invalid-payload', `--${channel.kind}: ${JSON.stringify(maskUrl(channel.url))} is not a URL`, {
            location: { field: 'channel.url' },
          });
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
          return fail('invalid-payload', `--${channel.kind}: only http and https URLs are allowed`, { location: { field: 'channel.url' } });
      }
      let libraryId: string | null = null;
      if (r.library) {
        const id = await libraryIdByName(store.library, r.library);
        if (!id.ok) return id;
        libraryId = id.value;
      }
      const id = randomUUID();
      const row: NotificationRow = {
        id,
        name: r.name,
        kind: channel.kind,
        destination: channel.kind === 'email' ? channel.to : channel.url,
        secret: channel.kind === 'webhook' && channel.secret ? seal(deps.key, `notify:${id}`, 1, channel.secret) : null,
        events: [...new Set(r.on)],
        libraryId,
        createdAt: clock(),
      };
      if (!(await store.notifications.insert(row)))
        return fail('conflict', `a notification named ${r.name} exists; remove it first (directord notify rm ${r.name})`, {
          location: { field: 'name' },
        });
      return ok(info(row));
    },
    list: async (): Promise<NotifyInfo[]> => (await store.notifications.all()).map(info),
    async remove(payload: unknown): Promise<Result<null>> {
      const name = nameValidator.parse(payload, 'notify:remove');
      if (!name.ok) return name;
      return (await store.notifications.remove(name.value)) ? ok(null) : fail('not-found', `no notification named ${name.value}`);
    },
    /** A test event now; answers with the first attempt (retries continue and are logged). */
    async test(payload: unknown): Promise<Result<DeliveryInfo[]>> {
      const name = nameValidator.parse(payload, 'notify:test');
      if (!name.ok) return name;
      const n = (await store.notifications.all()).find((x) => x.name === name.value);
      if (!n) return fail('not-found', `no notification named ${name.value}`);
      const now = clock();
      const sample: RunEventPayload = {
        event: (n.events[0] as RunEvent | undefined) ?? 'succeeded',
        run: {
          runId: `test-${randomUUID()}`,
          status: 'succeeded',
          source: 'notify test',
          requestedBy: 'notify:test',
          createdAt: now,
          finishedAt: now,
          targets: [],
        },
        hosts: {},
        libraryId: n.libraryId,
      };
      const first = await new Promise<DeliveryInfo>((resolve) => deliver(n, sample, 1, (d) => resolve(d)));
      return ok([first]);
    },
    async deliveries(payload: unknown): Promise<Result<DeliveryInfo[]>> {
      const parsed = deliveriesValidator.parse(payload ?? {}, 'notify:deliveries');
      if (!parsed.ok) return parsed;
      const request = parsed.value;
      const all = await store.notifications.all();
      const n = request.name !== undefined ? all.find((x) => x.name === request.name) : undefined;
      if (request.name !== undefined && !n) return fail('not-found', `no notification named ${request.name}`);
      const limit = request.limit ?? 100;
      const names = new Map(all.map((x) => [x.id, x.name]));
      const rows = await store.notifications.deliveries(n?.id ?? null, limit);
      return ok(
        rows.map((r) => ({
          id: r.id,
          notification: names.get(r.notificationId) ?? r.notificationId,
          event: r.event as RunEvent,
          runId: r.runId,
          attempt: r.attempt,
          status: r.status,
          detail: r.detail,
          at: r.at,
        })),
      );
    },
    /**
     * A schedule fire or trigger request refused because its Library item is still running: the
     * notifications that a failed run of the item would reach get a `failed` event with no run
     * of its own (`skipped-…` id), naming the reason and the running run.
     */
    async notStarted(notice: NotStarted): Promise<void> {
      const matching = (await store.notifications.all()).filter(
        (n) => n.events.includes('failed') && (n.libraryId === null || n.libraryId === notice.libraryId),
      );
      if (!matching.length) return;
      const payload: RunEventPayload = {
        event: 'failed',
        run: {
          runId: `skipped-${randomUUID()}`,
          status: 'failed',
          source: notice.source,
          requestedBy: notice.requestedBy,
          createdAt: notice.at,
          finishedAt: notice.at,
          targets: [],
        },
        hosts: {},
        libraryId: notice.libraryId,
        notStarted: { reason: notice.reason, runningRunId: notice.runningRunId },
      };
      for (const n of matching) deliver(n, payload, 1);
    },
    /** The run-event listener: matching notifications get a delivery each. */
    async runEvent(event: RunEvent, run: RunSummary): Promise<void> {
      const all = (await store.notifications.all()).filter((n) => n.events.includes(event));
      if (!all.length) return;
      const libraryId = all.some((n) => n.libraryId) ? await libraryOfRun(run) : null;
      const matching = all.filter((n) => n.libraryId === null || n.libraryId === libraryId);
      if (!matching.length) return;
      const payload = await payloadOf(event, run, libraryId);
      for (const n of matching) deliver(n, payload, 1);
    },
    async close(): Promise<void> {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
