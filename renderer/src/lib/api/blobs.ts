/** `blobs:has` / `blobs:put` over the console's connection (ADD/COPY uploads from deploy and library saves). */
import type { BlobPut, BlobPutResult, BlobsHasResult } from '#protocol/blobs.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

/** A 4 MiB piece on a slow link takes a while; the default request timeout is for small requests. */
const PUT_TIMEOUT_MS = 120_000;

export const blobs = {
  has: (shas: string[]): Promise<Result<BlobsHasResult>> => client.request('blobs:has', { shas }),
  put: (piece: BlobPut): Promise<Result<BlobPutResult>> => client.requestWithTimeout(PUT_TIMEOUT_MS, 'blobs:put', piece),
};
