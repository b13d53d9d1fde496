/**
 * A recording fake of {@link ComponentContext} for component tests (conventions §14:
 * data tables of fields → expected ctx calls → result). Rendering uses the real
 * template engine over the fake args cache.
 */
import type { DispatchedJob } from '../protocol/jobs.js';
import type { AbortSignalLike, ComponentCache, ComponentContext, ExecOptions, ExecResult, FileOps, HttpResult } from './define.js';
import { renderTemplate } from './template.js';

export type FakeCall = readonly unknown[];

export type FakeContextOptions = Readonly<{
  /** Results of successive `exec` calls (the last one repeats); default exit 0, no output. */
  exec?: readonly Partial<ExecResult>[];
  args?: Record<string, unknown>;
  envs?: Record<string, string>;
  /** What `cache.evict` returns; default `{ok: true, removed: 1}`. */
  evict?: (tag: string) => { ok: true; removed: number } | { ok: false; message: string };
  /** File operations that throw, by name (`mkdirp`, `chown`, `chmod`). */
  failFiles?: Readonly<Record<string, string>>;
  job?: Partial<DispatchedJob>;
  vars?: Record<string, unknown>;
  /** Files on the fake host by absolute path (`readText`, `exists`, `readdir`); others do not exist. */
  files?: Readonly<Record<string, string>>;
  /**
   * When given, the context has `http`: successive calls get these statuses (an Error is
   * thrown; the last entry repeats). Calls are recorded as `['http', url, {insecure}]`.
   */
  http?: readonly (number | Error)[];
  /** Called after each recorded `sleep` (e.g. to change the args cache while a component polls). */
  onSleep?: (ms: number, ctx: FakeContext) => void;
  /** The job's abort signal (default: never aborted); `sleep` rejects once it is aborted. */
  signal?: AbortSignalLike;
}>;

export type FakeContext = ComponentContext & {
  /** Every side-effecting call in order, e.g. `['exec', 'ls', {detach: false}]`, `['write', 'stdout', 'x']`. */
  readonly calls: FakeCall[];
  readonly argsCache: Record<string, unknown>;
  readonly envsCache: Record<string, string>;
};

const signal: AbortSignalLike = { aborted: false, addEventListener: () => {}, removeEventListener: () => {} };

export function createFakeContext(options: FakeContextOptions = {}): FakeContext {
  const calls: FakeCall[] = [];
  const argsCache: Record<string, unknown> = { ...(options.args ?? {}) };
  const envsCache: Record<string, string> = { ...(options.envs ?? {}) };
  let execIndex = 0;
  const cache: ComponentCache = {
    getArgs: () => argsCache,
    setArgs(values, opts) {
      calls.push(['setArgs', values, opts ?? {}]);
      Object.assign(argsCache, values);
    },
    getEnvs: () => envsCache,
    setEnvs(values, opts) {
      calls.push(['setEnvs', values, opts ?? {}]);
      Object.assign(envsCache, values);
    },
    get: (key) => argsCache[key],
    set: (key, value) => void calls.push(['set', key, value]),
    evict(tag) {
      calls.push(['evict', tag]);
      return options.evict ? options.evict(tag) : { ok: true, removed: 1 };
    },
  };
  const fakeFiles = options.files ?? {};
  const enoent = (path: string, op: string) =>
    Object.assign(new Error(`ENOENT: no such file or directory, ${op} '${path}'`), { code: 'ENOENT' });
  const fileOp =
    (name: string) =>
    async (...args: unknown[]): Promise<void> => {
      calls.push([name, ...args]);
      const failure = options.failFiles?.[name];
      if (failure) throw new Error(failure);
    };
  const files: FileOps = {
    mkdirp: fileOp('mkdirp'),
    chown: fileOp('chown'),
    chmod: fileOp('chmod'),
    async readText(path) {
      if (options.files === undefined) return '';
      const text = fakeFiles[path];
      if (text === undefined) throw enoent(path, 'open');
      return text;
    },
    writeFile: fileOp('writeFile'),
    sha3_224: async () => null,
    exists: async (path) => path in fakeFiles || Object.keys(fakeFiles).some((f) => f.startsWith(`${path.replace(/\/+$/, '')}/`)),
    async readdir(path) {
      const prefix = `${path.replace(/\/+$/, '')}/`;
      const names = new Set<string>();
      for (const file of Object.keys(fakeFiles)) if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0] ?? '');
      if (names.size === 0) throw enoent(path, 'scandir');
      return [...names].sort();
    },
  };
  let httpIndex = 0;
  const http = options.http;
  const job: DispatchedJob = {
    jobId: 'job-1',
    runId: 'run-1',
    parentId: 'parent-1',
    verb: 'TEST',
    args: {},
    sha: '0'.repeat(56),
    timeout: 600,
    skipCache: false,
    parentAsync: false,
    ...options.job,
  };
  const jobSignal = options.signal ?? signal;
  const ctx: FakeContext = {
    calls,
    argsCache,
    envsCache,
    job,
    identity: 'node1',
    signal: jobSignal,
    async exec(command: string, execOptions?: ExecOptions): Promise<ExecResult> {
      calls.push(['exec', command, execOptions ?? {}]);
      const scripted = options.exec ?? [];
      const result = scripted[Math.min(execIndex++, scripted.length - 1)] ?? {};
      const run = { exitCode: 0, signal: null, stdout: '', stderr: '', ...result };
      // As on the agent: output that is not captured is not in the result.
      return execOptions?.capture === false ? { ...run, stdout: '', stderr: '' } : run;
    },
    write(stream, text) {
      calls.push(['write', stream, text]);
    },
    render: (template) => renderTemplate(template, { ...argsCache, ...(options.vars ?? {}) }),
    cache,
    files,
    async sleep(ms) {
      calls.push(['sleep', ms]);
      options.onSleep?.(ms, ctx);
      if (jobSignal.aborted) throw new Error(`aborted: ${String(jobSignal.reason)}`);
    },
    ...(http
      ? {
          async http(url: string, httpOptions?: Readonly<{ insecure?: boolean }>): Promise<HttpResult> {
            calls.push(['http', url, { insecure: httpOptions?.insecure ?? false }]);
            const next = http[Math.min(httpIndex++, http.length - 1)] ?? 200;
            if (next instanceof Error) throw next;
            return { status: next, url };
          },
        }
      : {}),
  };
  return ctx;
}
