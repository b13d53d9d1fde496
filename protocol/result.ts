/**
 * The ack envelope every request/response event carries across the wire.
 * Errors travel as values, never as thrown exceptions (conventions §4.4).
 */

/** Every error code a peer may send. Add new codes here so both ends can switch on them. */
export const ERROR_CODES = [
  'invalid-payload',
  'invalid-job',
  'unknown-verb',
  'unknown-target',
  'unknown-option',
  'no-targets',
  'not-found',
  'unauthorized',
  'forbidden',
  'protocol-mismatch',
  'agent-offline',
  'duplicate-identity',
  'too-large',
  'timeout',
  'cancelled',
  'conflict',
  'internal',
  /** An agent or an enrolment token was revoked by an operator: do not retry. */
  'revoked',
  /** An enrolment token's validity has passed: do not retry. */
  'expired',
  /** An enrolment token has been used as many times as it allows: do not retry. */
  'exhausted',
  /** The server's data dir is full: nothing was stored; retry once space is freed. */
  'storage-full',
  /** Too many failed attempts from this address: wait and retry. */
  'rate-limited',
  /** A browser page of another origin (or a foreign Host: DNS rebinding) asked: not this console. */
  'forbidden-origin',
  /** A target pattern does not parse (inventory host patterns). */
  'invalid-pattern',
  /**
   * A Library item is still running (a run started from it is not finished) and its settings do
   * not allow simultaneous runs; `details: { runId, libraryId, library }` name the running run.
   */
  'already-running',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where in the user's input an error was found (file, line and column are 1-based). */
export type ErrorLocation = Readonly<{
  file?: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. `entries[1].jobs[3].RUN` or `timeout`. */
  field?: string;
}>;

export type WireError = Readonly<{
  code: ErrorCode;
  message: string;
  location?: ErrorLocation;
  details?: unknown;
}>;

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** The callback shape of every acknowledged event. */
export type Ack<T> = (result: Result<T>) => void;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message: string, extra?: Omit<WireError, 'code' | 'message'>): { ok: false; error: WireError } {
  return { ok: false, error: { code, message, ...extra } };
}

/** A thrown error that carries a WireError; used inside one process, converted back at the edge. */
export class WireErrorException extends Error {
  readonly wire: WireError;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'WireErrorException';
    this.wire = wire;
  }
}

/** Formats a WireError for a terminal or a log line: `file:line:column: field: message`. */
export function formatWireError(error: WireError): string {
  const loc = error.location;
  const where: string[] = [];
  if (loc?.file) where.push(loc.file + (loc.line ? `:${loc.line}` + (loc.column ? `:${loc.column}` : '') : ''));
  else if (loc?.line) where.push(`line ${loc.line}` + (loc.column ? `, column ${loc.column}` : ''));
  if (loc?.field) where.push(loc.field);
  return (where.length ? where.join(': ') + ': ' : '') + error.message;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * An ack read off the wire, as a Result: the envelope is checked here, the value is what the peer's side
 * of the shared event map promises (the server validates every payload it is sent; clients trust the
 * server's acks). The one point where a typed request meets Socket.IO's untyped emit (its types cannot
 * follow a generic event name through `timeout()`), so no client needs a cast.
 */
export function isResult<T>(value: unknown): value is Result<T> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  return value.ok === true
    ? 'value' in value
    : value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null;
}

/** Request events of an event map: those whose last argument is an {@link Ack}. */
export type RequestEventOf<M> = { [K in keyof M]: M[K] extends (...args: [...infer _P, Ack<infer _T>]) => void ? K : never }[keyof M];
/** A request event's arguments, without its ack. */
export type RequestArgsOf<M, E extends keyof M> = M[E] extends (...args: [...infer P extends unknown[], Ack<infer _T>]) => void ? P : never;
/** What a request event's ack carries on success. */
export type RequestValueOf<M, E extends keyof M> = M[E] extends (...args: [...infer _P, Ack<infer T>]) => void ? T : never;
