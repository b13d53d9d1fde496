/**
 * The shape every component has (built-in and user-defined): a declared argument schema,
 * a server part (job string → job fields, in `parse.ts`, driven by the schema) and a client
 * part (`run`) that performs side effects only through the injected {@link ComponentContext}.
 * This file imports no Node, DOM, Electron or Socket.IO so the server, the agent and the
 * console can all load it.
 */
import type { TObject, TProperties, Static } from '@sinclair/typebox';
import type { DispatchedJob, SourceFile, TargetState } from '../protocol/jobs.js';

/**
 * How a schema property is read from a job string (schema keyword `x-argv`):
 * - `flag`: a boolean switch (`--no-block`);
 * - `option`: `--name VALUE` or `--name=VALUE` (arrays take every value up to the next option);
 * - `positional`: one whitespace-separated token after the options;
 * - `positionals`: every remaining token, shell-split (ADD/COPY sources and destination);
 * - `rest`: the remaining text verbatim, whitespace kept (RUN's command).
 * Options are only recognised before the first positional, so `RUN curl --retry 3 x`
 * keeps its `--retry` (Directord bug 9.5 fixed).
 */
export type ArgvKind = 'flag' | 'option' | 'positional' | 'positionals' | 'rest';

/** The part of the platform AbortSignal a component may use (std layer: no DOM or Node lib). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options a component may pass to `ctx.exec`. */
export type ExecOptions = Readonly<{
  /** Extra environment on top of the agent's environment and its ENV cache. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Start in its own session and return at once without output (`RUN --no-block`). */
  detach?: boolean;
  /** Forward output to the job's stdout/stderr as it arrives (default true). */
  stream?: boolean;
  /** Keep the output for the result's `stdout`/`stderr` (default true; false when only streamed). */
  capture?: boolean;
}>;

export type ExecResult = Readonly<{
  /** Null when the process was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Captured output (bounded by the agent's output cap). */
  stdout: string;
  stderr: string;
}>;

/** The agent's durable cache as a component sees it (spec 4.1). */
export interface ComponentCache {
  getArgs(): Readonly<Record<string, unknown>>;
  /** Merge into `args`; with `extend`, dicts merge recursively and lists append (spec 4.4). */
  setArgs(values: Readonly<Record<string, unknown>>, options?: { extend?: boolean }): void;
  getEnvs(): Readonly<Record<string, string>>;
  setEnvs(values: Readonly<Record<string, string>>, options?: { extend?: boolean }): void;
  /** Any other named cache entry (`configs`, …). */
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  /**
   * Evict by tag: `all`, `args`, `envs`, `jobs` (job states), `parents` (parent states),
   * `query` (the query part of args) or any stored key. Returns what was removed.
   */
  evict(tag: string): Readonly<{ ok: true; removed: number } | { ok: false; message: string }>;
}

/** File operations on the agent's host; every path is absolute or relative to the agent's cwd. */
export interface FileOps {
  mkdirp(path: string): Promise<void>;
  /** user/group are names or numeric ids; null leaves that part unchanged. */
  chown(path: string, user: string | null, group: string | null): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  readText(path: string): Promise<string>;
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void>;
  /** SHA3-224 hex of the file, or null when it does not exist. */
  sha3_224(path: string): Promise<string | null>;
  exists(path: string): Promise<boolean>;
  /** Optional: the entry names of a directory, sorted (no `.`/`..`). Rejects when it is not a readable directory. */
  readdir?(path: string): Promise<string[]>;
}

/** What {@link ComponentContext.http} resolves with. */
export type HttpResult = Readonly<{
  /** Status of the last response (after redirects). */
  status: number;
  /** The URL that gave it. */
  url: string;
}>;

/** Everything a component's client part may touch. Injected by the agent; faked in tests. */
export interface ComponentContext {
  readonly job: DispatchedJob;
  readonly identity: string;
  /** Aborted on timeout or cancel; long waits must honour it. */
  readonly signal: AbortSignalLike;
  /** Run a shell command with `/bin/sh -c` in its own process group. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Append text to the job's stdout or stderr. */
  write(stream: 'stdout' | 'stderr', text: string): void;
  /**
   * Render a Jinja template against the args cache, the job's vars and the envs.
   * Throws a {@link TemplateError} naming an undefined variable.
   */
  render(template: string): string;
  readonly cache: ComponentCache;
  readonly files: FileOps;
  /** Resolves after `ms`, or rejects when the job is aborted. */
  sleep(ms: number): Promise<void>;
  /**
   * Optional: an HTTP(S) GET from the target's host. Redirects are followed, the body is
   * discarded; `insecure` skips TLS certificate verification. Rejects on network errors and
   * when the job is aborted. Where it is missing, components fall back to the platform
   * `fetch`, which always verifies certificates.
   */
  http?(url: string, options?: Readonly<{ insecure?: boolean }>): Promise<HttpResult>;
  /**
   * Optional: the content-addressed blobs of this job (ADD/COPY sources), fetched from the
   * server, which serves only the blobs of jobs it dispatched to this agent.
   */
  readonly blobs?: Readonly<{ get(sha: string): Promise<Uint8Array> }>;
  /**
   * Optional: the state of the latest job with SHA `sha` on each identity (null when that
   * identity never got one), asked from the server (JOB_WAIT).
   */
  jobStates?(sha: string, identities: readonly string[]): Promise<Readonly<Record<string, TargetState | null>>>;
}

/** What a component's client part returns. */
export type ComponentResult = Readonly<{
  ok: boolean;
  /** Directord's INFO field (e.g. the rendered command for RUN). */
  info?: string;
  exitCode?: number | null;
}>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type ComponentDefinition<P extends TProperties> = Readonly<{
  /** Upper-case verb, e.g. `RUN`. */
  verb: string;
  /** One line; shown in the palette and `--exec-help`. */
  summary: string;
  description?: string;
  /** The component's own arguments; property order is the order of job fields (and of the job SHA). */
  args: TObject<P>;
  /** When false the job always runs, ignoring the cache (ARG, ENV, CACHEEVICT, …). */
  cacheable: boolean;
  /** Serialise with other jobs of the same lock on one agent (spec 1.6). */
  requiresLock: boolean;
  lockName?: string;
  /** Default `--timeout` in seconds when the job string gives none (600 otherwise). */
  timeoutDefault?: number;
  /**
   * The client part stores what it renders on the target (ARG and ENV: the agent's cache on disk),
   * so a job of it may not use `{{ secrets.NAME }}`: the server refuses it at submit (issue #18).
   */
  keepsRendered?: boolean;
  /**
   * Server part beyond what the schema parser does: turn parsed arguments into job fields
   * (e.g. ARG's `KEY VALUE` into `{args: {KEY: value}}`). Throws {@link ArgumentError}.
   * The returned object's key order is the job SHA's field order.
   */
  toJob?: (parsed: Static<TObject<P>>) => Record<string, unknown>;
  /**
   * Server part of components that transfer files (ADD/COPY): the job fields (from `toJob`)
   * plus the source files the operator side expanded and uploaded as blobs; returns the final
   * fields (their key order is the job SHA's, so content SHAs change the job SHA). Throws
   * {@link ArgumentError}. Components without it refuse submitted files.
   */
  withFiles?: (fields: Record<string, unknown>, files: readonly SourceFile[]) => Record<string, unknown>;
  /** Operator side of components with `withFiles`: the SOURCE patterns of the parsed job fields. */
  sourcePatterns?: (fields: Readonly<Record<string, unknown>>) => readonly string[];
  /** Client part: runs on the agent. Receives the job fields (`toJob`'s output, or the parsed args). */
  run: (ctx: ComponentContext, fields: Record<string, unknown>) => Promise<ComponentResult>;
}>;

export type Component = ComponentDefinition<TProperties> & Readonly<{ builtin: boolean }>;

/** Raised by a server part for bad input; the message names the verb and the option. */
export class ArgumentError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'ArgumentError';
    this.field = field;
  }
}

/** Declares a built-in component. User components use the same function (with `builtin: false`). */
export function defineComponent<P extends TProperties>(definition: ComponentDefinition<P>, builtin = true): Component {
  if (!/^[A-Z][A-Z0-9_]*$/.test(definition.verb)) throw new Error(`component verb must be upper case: ${definition.verb}`);
  return { ...(definition as unknown as ComponentDefinition<TProperties>), builtin };
}
