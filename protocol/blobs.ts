/**
 * Content-addressed file transfer (ADD/COPY) and the other agent → server requests of issue #4.
 * The operator side (CLI) uploads each source file as a blob named by its SHA3-224 (`/ui`
 * `blobs:has`, `blobs:put`); a job lists the blobs it needs; an agent fetches a blob with
 * `blob:get` naming the job it runs, and the server answers only when that job was dispatched to
 * that agent (Directord bug 9.17 fixed: no client can read an arbitrary server path).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdentitySchema, Sha224Schema, type TargetState } from './jobs.js';
import { LIMITS } from './version.js';

export const BLOB_LIMITS = { maxBlobBytes: LIMITS.maxBlobBytes, chunkBytes: LIMITS.blobChunkBytes } as const;

/** Base64 text of at most `chunkBytes` bytes. */
const ChunkText = Type.String({ maxLength: Math.ceil(BLOB_LIMITS.chunkBytes / 3) * 4 + 4 });

/**
 * `/ui blobs:put`: one piece of a blob. A blob of up to `chunkBytes` goes in one call (offset 0);
 * a larger one in pieces at increasing offsets. The server checks the SHA3-224 of the whole once
 * the last piece arrived, then stores it.
 */
export const BlobPutSchema = Type.Object({
  sha: Sha224Schema,
  /** Size of the whole blob in bytes. */
  size: Type.Integer({ minimum: 0, maximum: BLOB_LIMITS.maxBlobBytes }),
  /** Where this piece starts (default 0). */
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: BLOB_LIMITS.maxBlobBytes })),
  content: ChunkText,
  /** How `content` is encoded (default base64; utf8 for text written as is). */
  encoding: Type.Optional(Type.Union([Type.Literal('base64'), Type.Literal('utf8')])),
});
export type BlobPut = Static<typeof BlobPutSchema>;
/** `complete` once the whole blob is stored; `received` is the byte count so far. */
export type BlobPutResult = Readonly<{ sha: string; complete: boolean; received: number }>;

/** `/ui blobs:has`: which of these blobs the server lacks (so uploads can be skipped). */
export const BlobsHasSchema = Type.Object({ shas: Type.Array(Sha224Schema, { maxItems: 10_000 }) });
export type BlobsHas = Static<typeof BlobsHasSchema>;
export type BlobsHasResult = Readonly<{ missing: string[] }>;

/** `/agent blob:get`: a piece of a blob of a job this agent was given. */
export const BlobGetSchema = Type.Object({
  sha: Sha224Schema,
  jobId: Type.String({ minLength: 1, maxLength: 128 }),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: BLOB_LIMITS.maxBlobBytes })),
});
export type BlobGet = Static<typeof BlobGetSchema>;
/** `content` is base64 of the bytes from `offset` (at most `chunkBytes`); `size` is the whole blob's. */
export type BlobGetResult = Readonly<{ sha: string; size: number; offset: number; content: string }>;

/** `/agent jobs:state`: the state, per identity, of the latest job with this SHA (JOB_WAIT). */
export const JobStatesRequestSchema = Type.Object({
  sha: Sha224Schema,
  identities: Type.Array(IdentitySchema, { minItems: 1, maxItems: 1000 }),
});
export type JobStatesRequest = Static<typeof JobStatesRequestSchema>;
/** Null: no job with that SHA was ever given to that identity. */
export type JobStates = Readonly<{ states: Readonly<Record<string, TargetState | null>> }>;

/** `/agent component:install` (server → agent): a user component's module source, by content hash. */
export const ComponentInstallSchema = Type.Object({
  verb: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Z][A-Z0-9_]*$' }),
  hash: Sha224Schema,
  source: Type.String({ maxLength: 4 * 1024 * 1024 }),
});
export type ComponentInstall = Static<typeof ComponentInstallSchema>;
