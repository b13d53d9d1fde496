import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent, type ComponentContext, type ComponentResult, type ExecResult } from '../define.js';
import { boolField, intField, numberField, optionalStringField, tryRender } from './fields.js';
import { exclusiveOption, failure } from './host.js';

const TEMPLATE = /\{[{%]/;
const URL_SHAPE = /^(https?):\/\/(?:[^\s/?#@]+@)?(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]]+)(?::(\d{1,5}))?(?:[/?#]\S*)?$/i;

/** Why `url` is not an absolute http(s) URL, or null when it is. */
export function httpUrlProblem(url: string): string | null {
  const match = URL_SHAPE.exec(url);
  if (!match) {
    if (!/^https?:\/\//i.test(url)) return `expects an http:// or https:// URL, got ${JSON.stringify(url)}`;
    return `is not a valid URL: ${JSON.stringify(url)}`;
  }
  if (match[3] !== undefined && Number(match[3]) > 65535) return `has an invalid port in ${JSON.stringify(url)}`;
  return null;
}

/** One GET through the host's `ctx.http` (the agent's node:http/https, tied to the job's signal). */
async function getStatus(http: NonNullable<ComponentContext['http']>, url: string, insecure: boolean): Promise<number> {
  return (await http(url, { insecure })).status;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message && !error.message.includes(cause.message)
    ? `${error.message}: ${cause.message}`
    : error.message;
}

async function waitForUrl(
  ctx: ComponentContext,
  url: string,
  retry: number,
  retryWaitMs: number,
  insecure: boolean,
): Promise<ComponentResult> {
  // Components reach the network only through their context (eslint forbids globalThis.fetch here):
  // a host that gives no ctx.http cannot run --url, and says so instead of guessing at a client.
  if (!ctx.http) return { ok: false, info: 'WAIT --url needs an HTTP client and this host gives none (ctx.http)' };
  const http = ctx.http;
  let status: number | undefined;
  let lastError: string | undefined;
  for (let attempt = 0; attempt <= retry && !ctx.signal.aborted; attempt++) {
    if (attempt > 0 && retryWaitMs > 0) await ctx.sleep(retryWaitMs);
    try {
      status = await getStatus(http, url, insecure);
      lastError = undefined;
      if (status >= 200 && status < 400) {
        ctx.write('stdout', `Response code was ${status}\n`);
        return { ok: true, info: url };
      }
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      lastError = errorText(error);
    }
  }
  if (status !== undefined) ctx.write('stdout', `Response code was ${status}\n`);
  if (lastError !== undefined) ctx.write('stderr', `Exception occurred while fetching url: ${lastError}\n`);
  return { ok: false, info: `URL did not return a 2xx or 3xx. Retried ${retry} times` };
}

async function waitForCommand(ctx: ComponentContext, command: string, retry: number, retryWaitMs: number): Promise<ComponentResult> {
  let last: ExecResult | undefined;
  for (let attempt = 0; attempt <= retry && !ctx.signal.aborted; attempt++) {
    if (attempt > 0 && retryWaitMs > 0) await ctx.sleep(retryWaitMs);
    last = await ctx.exec(command);
    if (last.exitCode === 0) return { ok: true, info: command, exitCode: 0 };
  }
  return { ok: false, info: `Command was not successful. Retried ${retry} times.`, ...(last ? { exitCode: last.exitCode } : {}) };
}

/**
 * WAIT (spec 4.13): wait a number of seconds, for a URL to answer 2xx/3xx, or for a command
 * to exit 0. URL and command are rendered with the args cache; they are tried up to
 * `retry + 1` times with `retry_wait` seconds between attempts (the command's output of
 * every attempt is kept, as in Directord). Every wait honours the job's timeout and
 * cancellation. Job fields follow Directord: `seconds`, `url` or `command`, then `retry`,
 * `retry_wait` and `insecure`. Directord's "Retired N times" typo is fixed. As in Directord,
 * words after the options continue the URL, so an unquoted `--url http://{{ host }}/x` works.
 *
 * `--url` goes through the host's `ctx.http` (on agents node:http/https; `--insecure` turns certificate
 * checks off there); a host without it fails the job with a clear reason.
 */
export const WAIT = defineComponent({
  verb: 'WAIT',
  summary: 'Wait for some seconds, a URL or a command on the target.',
  description:
    'Waits until a condition holds on the target: a number of seconds passed (--seconds), a URL answers with a 2xx or 3xx ' +
    'status (--url), or a command exits 0 (--cmd, the command follows the options). URL and command may use {{ templates }} ' +
    'and are retried --retry times, --retry-wait seconds apart.',
  args: Type.Object({
    seconds: Type.Optional(
      Type.Number({
        'x-argv': 'option',
        'x-metavar': 'N',
        minimum: 0,
        title: 'Seconds',
        description: 'Wait this many seconds, then succeed.',
      }),
    ),
    url: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'URL',
        minLength: 1,
        title: 'URL',
        description: 'Wait until a GET of this http(s) URL answers with a 2xx or 3xx status; may use {{ templates }}.',
      }),
    ),
    cmd: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Wait for a command',
      description: 'Wait until COMMAND (everything after the options) exits 0.',
    }),
    retry: Type.Integer({
      'x-argv': 'option',
      minimum: 0,
      default: 30,
      title: 'Retries',
      description: 'How many times to try again after the first failed check (ignored with --seconds).',
    }),
    retry_wait: Type.Number({
      'x-argv': 'option',
      'x-metavar': 'SECONDS',
      minimum: 0,
      default: 1,
      title: 'Seconds between retries',
      description: 'Pause between two checks (ignored with --seconds).',
    }),
    insecure: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Skip TLS verification',
      description: 'Accept any TLS certificate when checking an https URL.',
    }),
    command: Type.Optional(
      Type.String({
        'x-argv': 'rest',
        'x-metavar': 'COMMAND',
        minLength: 1,
        title: 'Command',
        description:
          'With --cmd: the shell command to run until it exits 0; may use {{ templates }}. With --url: the rest of the URL (words are joined with spaces, as in Directord).',
      }),
    ),
  }),
  cacheable: true,
  requiresLock: false,
  toJob(parsed) {
    const mode = exclusiveOption('WAIT', { seconds: parsed.seconds, url: parsed.url, cmd: parsed.cmd }, ['seconds', 'url', 'cmd'], true);
    if (mode === 'seconds' && parsed.command !== undefined) {
      throw new ArgumentError(`WAIT: unexpected argument ${JSON.stringify(parsed.command)} (a command needs --cmd)`, 'command');
    }
    const job: Record<string, unknown> = {};
    if (mode === 'seconds') job.seconds = parsed.seconds;
    else if (mode === 'url') {
      // As in Directord the words after the options continue the URL: `--url http://{{ host }}/x`.
      const url = parsed.command === undefined ? (parsed.url ?? '') : `${parsed.url ?? ''} ${parsed.command}`;
      // A templated URL is checked once rendered, on the target.
      const problem = TEMPLATE.test(url) ? null : httpUrlProblem(url);
      if (problem) throw new ArgumentError(`WAIT: --url ${problem}`, 'url');
      job.url = url;
    } else {
      if (parsed.command === undefined || parsed.command.trim() === '')
        throw new ArgumentError('WAIT: --cmd needs a COMMAND after the options', 'command');
      job.command = parsed.command;
    }
    job.retry = parsed.retry;
    job.retry_wait = parsed.retry_wait;
    job.insecure = parsed.insecure;
    return job;
  },
  async run(ctx, fields) {
    const seconds = fields.seconds === undefined || fields.seconds === null ? undefined : numberField(fields, 'seconds', 0);
    const url = optionalStringField(fields, 'url');
    const command = optionalStringField(fields, 'command');
    const retry = Math.max(0, intField(fields, 'retry', 30));
    const retryWaitMs = Math.max(0, numberField(fields, 'retry_wait', 1)) * 1000;
    if (seconds !== undefined) {
      await ctx.sleep(seconds * 1000);
      return { ok: true, info: `Waited ${seconds} seconds` };
    }
    const template = url ?? command;
    if (template === undefined) return failure(ctx, 'WAIT: the job has no seconds, url or command');
    const rendered = tryRender(ctx, template);
    if (!rendered.ok) return failure(ctx, rendered.message);
    if (url !== undefined) {
      const problem = httpUrlProblem(rendered.text.trim());
      if (problem) return failure(ctx, `WAIT: --url ${problem}`);
      return waitForUrl(ctx, rendered.text.trim(), retry, retryWaitMs, boolField(fields, 'insecure'));
    }
    if (rendered.text.trim() === '') return failure(ctx, 'WAIT: the rendered command is empty');
    return waitForCommand(ctx, rendered.text, retry, retryWaitMs);
  },
});
