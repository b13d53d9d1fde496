/**
 * A recording fake of {@link ComponentContext} for component tests (conventions §14:
 * data tables of fields → expected ctx calls → result). Rendering uses the real
 * template engine over the fake args cache.
 */
import type { DispatchedJob } from '../protocol/jobs.js';
import type { AbortSignalLike, ComponentCache, ComponentContext, ExecOptions, ExecResult, FileOps } from './define.js';
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
    readText: async () => '',
    writeFile: fileOp('writeFile'),
    sha3_224: async () => null,
    exists: async () => false,
  };
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
  return {
    calls,
    argsCache,
    envsCache,
    job,
    identity: 'node1',
    signal,
    async exec(command: string, execOptions?: ExecOptions): Promise<ExecResult> {
      calls.push(['exec', command, execOptions ?? {}]);
      const scripted = options.exec ?? [];
      const result = scripted[Math.min(execIndex++, scripted.length - 1)] ?? {};
      return { exitCode: 0, signal: null, stdout: '', stderr: '', ...result };
    },
    write(stream, text) {
      calls.push(['write', stream, text]);
    },
    render: (template) => renderTemplate(template, { ...argsCache, ...(options.vars ?? {}) }),
    cache,
    files,
    sleep: async (ms) => void calls.push(['sleep', ms]),
  };
}
