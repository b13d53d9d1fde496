/** Builds the ComponentContext a component's client part runs with. */
import { templateVariables } from '../../protocol/inventory/vars.js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ComponentContext, ExecOptions, ExecResult, HttpResult } from '../../components/define.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { JobAbort } from './abort.js';
import { hostFiles } from './files.js';
import { CappedText, type JobOutput } from './output.js';
import type { JobDeps } from './types.js';

/**
 * `shown` (jobs with secrets): each text `render` produced, mapped to the same template rendered
 * with `[secret:NAME]` for every value, so that INFO — often the rendered command (RUN) — can be
 * reported without the values or parts of them (`{{ secrets.X[:8] }}`), which masking whole values
 * could not catch.
 */
export function createContext(
  deps: JobDeps,
  job: DispatchedJob,
  abort: JobAbort,
  output: JobOutput,
  shown?: Map<string, string>,
): ComponentContext {
  const exec = async (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
    if (abort.aborted) return { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' };
    const env = { ...deps.cache.getEnvs(), ...options.env };
    if (options.detach) {
      await deps.executor.detach({ command, env, cwd: options.cwd });
      return { exitCode: 0, signal: null, stdout: '', stderr: '' };
    }
    const stream = options.stream ?? true;
    const out = options.capture === false ? null : new CappedText(deps.outputCapBytes);
    const err = options.capture === false ? null : new CappedText(deps.outputCapBytes);
    const outcome = await deps.executor.run({
      command,
      env,
      cwd: options.cwd,
      abort,
      onStdout: (text) => {
        out?.add(text);
        if (stream) output.write('stdout', text);
      },
      onStderr: (text) => {
        err?.add(text);
        if (stream) output.write('stderr', text);
      },
    });
    return { exitCode: outcome.exitCode, signal: outcome.signal, stdout: out?.text() ?? '', stderr: err?.text() ?? '' };
  };

  const server = deps.server;
  return {
    job,
    identity: deps.identity,
    // Made on first use: most jobs never look (see JobAbort).
    get signal() {
      return abort.signal;
    },
    exec,
    write: (stream, text) => output.write(stream, text),
    render: (template) => {
      const variables = templateVariables(job.inventoryVars, deps.cache.getArgs(), job.vars);
      const text = deps.render(template, withSecrets(variables, job));
      if (shown && job.secrets?.length && !shown.has(text)) shown.set(text, shownRendering(deps, template, variables, job));
      return text;
    },
    cache: deps.cache,
    files: hostFiles,
    sleep: (ms) => abortableSleep(ms, abort.signal),
    http: (url, options) => httpGet(url, options?.insecure ?? false, abort.signal),
    blobs: server ? { get: (sha: string) => server.blob(sha, job.jobId, abort.signal) } : undefined,
    jobStates: server ? (sha: string, identities: readonly string[]) => server.jobStates(sha, identities, abort.signal) : undefined,
  };
}

/**
 * `{{ secrets.NAME }}` (issue #18): the values this dispatch carried, over every other variable of
 * that name; they exist only in this job's memory (the cache and outbox never see them).
 */
function withSecrets(variables: Record<string, unknown>, job: DispatchedJob): Record<string, unknown> {
  if (!job.secrets?.length) return variables;
  return { ...variables, secrets: Object.fromEntries(job.secrets.map((s) => [s.name, s.value])) };
}

/** The template rendered with each secret as `[secret:NAME]`; the template itself when that does not render. */
function shownRendering(deps: JobDeps, template: string, variables: Record<string, unknown>, job: DispatchedJob): string {
  const masks = Object.fromEntries((job.secrets ?? []).map((s) => [s.name, `[secret:${s.name}]`]));
  try {
    return deps.render(template, { ...variables, secrets: masks });
  } catch {
    return template;
  }
}

const MAX_REDIRECTS = 10;

/**
 * `ctx.http`: GET with node:http(s) so that `insecure` can skip certificate checks
 * (`rejectUnauthorized: false`), which the platform `fetch` cannot. Follows up to 10
 * redirects, discards the body, rejects on network errors and on abort.
 */
export function httpGet(url: string, insecure: boolean, signal: AbortSignal, redirects = MAX_REDIRECTS): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`invalid URL ${JSON.stringify(url)}`));
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      reject(new Error(`unsupported URL scheme ${target.protocol}`));
      return;
    }
    const secure = target.protocol === 'https:';
    const options = { method: 'GET', signal, ...(secure && insecure ? { rejectUnauthorized: false } : {}) };
    const req = (secure ? httpsRequest : httpRequest)(target, options, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && redirects > 0) {
        resolve(httpGet(new URL(location, target).toString(), insecure, signal, redirects - 1));
        return;
      }
      resolve({ status, url: target.toString() });
    });
    req.on('error', reject);
    req.end();
  });
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error(`aborted: ${String(signal.reason)}`));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
