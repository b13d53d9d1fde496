/**
 * `directord schedule …`, `directord notify …` and `directord trigger …` (issue #19): thin
 * clients of the `schedules:*`, `notify:*` and `triggers:*` requests. A `--file` is read here
 * and its text stored with the schedule or trigger (the server may not see the CLI's disk).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AutomationSource, NotifyChannel, RunEvent, ScheduleAdd, ScheduleInfo } from '../../protocol/automation.js';
import { RUN_EVENTS } from '../../protocol/automation.js';
import { REQUEST_TIMEOUT_MS, unwrap } from '../connection.js';
import { type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { tabulate } from '../format/table.js';
import { line, write } from '../output.js';
import { withServer } from '../server-session.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.000Z$/, 'Z'));

/** `--library NAME` or `--file FILE`: exactly one. */
export function sourceOf(options: Readonly<{ library?: string; file?: string }>): AutomationSource {
  if ((options.library === undefined) === (options.file === undefined))
    throw new CliError('give exactly one of --library NAME and --file FILE', EXIT.usage);
  if (options.library !== undefined) return { library: options.library };
  const path = resolve(options.file!);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `The [ ${path} ] file was not found.`
        : `Cannot read ${path}: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  return { file: path, text };
}

// ---- schedule ---------------------------------------------------------------------------------

export type ScheduleAddOptions = Readonly<{
  name: string;
  cron: string;
  tz?: string;
  library?: string;
  file?: string;
  target?: string;
  misfire?: ScheduleAdd['misfire'];
  overlap?: ScheduleAdd['overlap'];
}>;

export function renderSchedules(items: readonly ScheduleInfo[]): string {
  return tabulate(
    ['NAME', 'CRON', 'TZ', 'SOURCE', 'TARGET', 'MISFIRE', 'OVERLAP', 'STATE', 'NEXT FIRE', 'LAST FIRE'],
    items.map((s) => [
      s.name,
      s.cron,
      s.tz ?? '',
      s.source,
      s.target ?? '',
      s.misfire,
      s.overlap,
      s.enabled ? 'enabled' : 'paused',
      iso(s.nextFires[0] ?? null),
      iso(s.lastFiredAt),
    ]),
  );
}

export async function scheduleAdd(options: ScheduleAddOptions, ctx: CliContext): Promise<number> {
  const request: ScheduleAdd = {
    name: options.name,
    cron: options.cron,
    source: sourceOf(options),
    ...(options.tz ? { tz: options.tz } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.misfire ? { misfire: options.misfire } : {}),
    ...(options.overlap ? { overlap: options.overlap } : {}),
  };
  const info = await withServer(ctx, async (client) =>
    unwrap(await client.request('schedules:add', REQUEST_TIMEOUT_MS, request), `Adding schedule ${options.name} failed`),
  );
  write(`Schedule ${info.name} added (${info.source}); next fire times:\n${info.nextFires.map((t) => `  ${iso(t)}`).join('\n')}\n`);
  return EXIT.ok;
}

export async function scheduleList(ctx: CliContext): Promise<number> {
  const items = await withServer(ctx, async (client) =>
    unwrap(await client.request('schedules:list', REQUEST_TIMEOUT_MS), 'Listing schedules failed'),
  );
  if (!items.length) throw new CliError('No data found', EXIT.failure);
  line(renderSchedules(items));
  return EXIT.ok;
}

export async function scheduleSet(action: 'pause' | 'resume' | 'rm', name: string, ctx: CliContext): Promise<number> {
  await withServer(ctx, async (client) => {
    if (action === 'rm') unwrap(await client.request('schedules:remove', REQUEST_TIMEOUT_MS, name), `Removing schedule ${name} failed`);
    else if (action === 'pause')
      unwrap(await client.request('schedules:pause', REQUEST_TIMEOUT_MS, name), `Pausing schedule ${name} failed`);
    else unwrap(await client.request('schedules:resume', REQUEST_TIMEOUT_MS, name), `Resuming schedule ${name} failed`);
  });
  write(`Schedule ${name} ${action === 'rm' ? 'removed' : action === 'pause' ? 'paused' : 'resumed'}\n`);
  return EXIT.ok;
}

export async function scheduleRuns(name: string, ctx: CliContext): Promise<number> {
  const runs = await withServer(ctx, async (client) =>
    unwrap(
      await client.request('runs:list', REQUEST_TIMEOUT_MS, { requestedBy: `schedule:${name}`, limit: 100 }),
      `Listing runs of schedule ${name} failed`,
    ),
  );
  if (!runs.length) throw new CliError('No data found', EXIT.failure);
  line(
    tabulate(
      ['RUN', 'STATUS', 'CREATED', 'FINISHED', 'TARGETS'],
      runs.map((r) => [r.runId, r.status, iso(r.createdAt), iso(r.finishedAt), r.targets.join(',')]),
    ),
  );
  return EXIT.ok;
}

// ---- notify -----------------------------------------------------------------------------------

export type NotifyAddOptions = Readonly<{
  name: string;
  webhook?: string;
  secret?: string;
  slack?: string;
  email?: string;
  on: string;
  library?: string;
}>;

export function parseEvents(text: string): RunEvent[] {
  const events = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const unknown = events.filter((e) => !(RUN_EVENTS as readonly string[]).includes(e));
  if (!events.length || unknown.length)
    throw new CliError(`--on ${text}: expected a comma-separated list of ${RUN_EVENTS.join(', ')}`, EXIT.usage);
  return [...new Set(events)] as RunEvent[];
}

export function channelOf(options: NotifyAddOptions): NotifyChannel {
  const given = (['webhook', 'slack', 'email'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) throw new CliError('give exactly one of --webhook URL, --slack URL and --email ADDR', EXIT.usage);
  if (options.secret !== undefined && !options.webhook) throw new CliError('--secret only applies to --webhook', EXIT.usage);
  if (options.webhook) return { kind: 'webhook', url: options.webhook, ...(options.secret ? { secret: options.secret } : {}) };
  if (options.slack) return { kind: 'slack', url: options.slack };
  return { kind: 'email', to: options.email! };
}

export async function notifyAdd(options: NotifyAddOptions, ctx: CliContext): Promise<number> {
  const request = {
    name: options.name,
    channel: channelOf(options),
    on: parseEvents(options.on),
    ...(options.library ? { library: options.library } : {}),
  };
  const info = await withServer(ctx, async (client) =>
    unwrap(await client.request('notify:add', REQUEST_TIMEOUT_MS, request), `Adding notification ${options.name} failed`),
  );
  write(`Notification ${info.name} added (${info.kind} ${info.destination}, on ${info.on.join(',')})\n`);
  return EXIT.ok;
}

export async function notifyList(ctx: CliContext): Promise<number> {
  const items = await withServer(ctx, async (client) =>
    unwrap(await client.request('notify:list', REQUEST_TIMEOUT_MS), 'Listing notifications failed'),
  );
  if (!items.length) throw new CliError('No data found', EXIT.failure);
  line(
    tabulate(
      ['NAME', 'KIND', 'DESTINATION', 'ON', 'LIBRARY', 'SIGNED'],
      items.map((n) => [n.name, n.kind, n.destination, n.on.join(','), n.libraryId ?? '(all)', n.hasSecret ? 'yes' : 'no']),
    ),
  );
  return EXIT.ok;
}

export async function notifyTest(name: string, ctx: CliContext): Promise<number> {
  const attempts = await withServer(ctx, async (client) =>
    unwrap(await client.request('notify:test', REQUEST_TIMEOUT_MS, name), `Testing notification ${name} failed`),
  );
  line(
    tabulate(
      ['ATTEMPT', 'STATUS', 'DETAIL'],
      attempts.map((a) => [a.attempt, a.status, a.detail]),
    ),
  );
  return attempts.some((a) => a.status === 'delivered') ? EXIT.ok : EXIT.failure;
}

export async function notifyRemove(name: string, ctx: CliContext): Promise<number> {
  await withServer(ctx, async (client) =>
    unwrap(await client.request('notify:remove', REQUEST_TIMEOUT_MS, name), `Removing notification ${name} failed`),
  );
  write(`Notification ${name} removed\n`);
  return EXIT.ok;
}

// ---- trigger ----------------------------------------------------------------------------------

export type TriggerAddOptions = Readonly<{
  name: string;
  library?: string;
  file?: string;
  target?: string;
  varsFrom?: string[];
  auth?: 'any' | 'bearer';
}>;

export async function triggerAdd(options: TriggerAddOptions, ctx: CliContext): Promise<number> {
  const request = {
    name: options.name,
    source: sourceOf(options),
    ...(options.target ? { target: options.target } : {}),
    ...(options.varsFrom?.length ? { varsFrom: options.varsFrom } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
  };
  const [created, url] = await withServer(
    ctx,
    async (client, serverUrl) =>
      [
        unwrap(await client.request('triggers:add', REQUEST_TIMEOUT_MS, request), `Adding trigger ${options.name} failed`),
        serverUrl,
      ] as const,
  );
  write(
    `Trigger ${created.name} added (${created.source}); the secret is shown this once:\nURL: ${url}${created.path}\nSecret: ${created.secret}\n`,
  );
  return EXIT.ok;
}

export async function triggerList(ctx: CliContext): Promise<number> {
  const [items, url] = await withServer(
    ctx,
    async (client, serverUrl) =>
      [unwrap(await client.request('triggers:list', REQUEST_TIMEOUT_MS), 'Listing triggers failed'), serverUrl] as const,
  );
  if (!items.length) throw new CliError('No data found', EXIT.failure);
  line(
    tabulate(
      ['NAME', 'URL', 'SOURCE', 'TARGET', 'VARS FROM', 'LAST FIRED'],
      items.map((t) => [t.name, `${url}/hooks/${t.id}`, t.source, t.target ?? '', t.varsFrom.join(','), iso(t.lastFiredAt)]),
    ),
  );
  return EXIT.ok;
}

export async function triggerRemove(name: string, ctx: CliContext): Promise<number> {
  await withServer(ctx, async (client) =>
    unwrap(await client.request('triggers:remove', REQUEST_TIMEOUT_MS, name), `Removing trigger ${name} failed`),
  );
  write(`Trigger ${name} removed\n`);
  return EXIT.ok;
}
