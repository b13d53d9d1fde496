/**
 * The wire contract's version. Peers with a different major refuse each other with
 * `protocol-mismatch`; a minor bump only adds optional fields or events.
 */
export const PROTOCOL_VERSION = '1.2';

export function protocolMajor(version: string): number {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  return Number.isFinite(major) ? major : -1;
}

export function isCompatibleProtocol(version: string): boolean {
  return protocolMajor(version) === protocolMajor(PROTOCOL_VERSION);
}

/** Hard limits both ends enforce; a message over them is refused, never buffered. */
export const LIMITS = {
  /** Largest single Socket.IO message (engine.io maxHttpBufferSize). */
  maxMessageBytes: 8 * 1024 * 1024,
  /** Largest output chunk an agent may send in one event. */
  maxChunkBytes: 256 * 1024,
  /** Default cap of stored output per (job, target, stream); beyond it output is truncated with a marker. */
  defaultOutputCapBytes: 16 * 1024 * 1024,
  /** Largest number of events in one agent batch. */
  maxBatchEvents: 5000,
  /** Largest number of jobs in one dispatch or submission. */
  maxJobsPerSubmit: 20000,
  /** Largest blob (one ADD/COPY source file). */
  maxBlobBytes: 64 * 1024 * 1024,
  /** Largest piece of a blob in one `blobs:put` / `blob:get` message (its base64 stays under maxMessageBytes). */
  blobChunkBytes: 4 * 1024 * 1024,
} as const;

/** The marker appended once output passes the cap. */
export const TRUNCATION_MARKER = '\n[directord: output truncated at the configured cap]\n';
