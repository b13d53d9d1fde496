/** History reads of issue #15: a host's runs with its counts, and output search. */
import type { HostHistory, OutputSearch } from '#protocol/records.js';
import type { HostHistoryRequest, OutputSearchRequest } from '#protocol/ui-events.js';
import type { Result } from '#protocol/result.js';
import { client } from './client.svelte.js';

export const history = {
  /** A host's runs newest first (`failures`: only those where it failed). */
  hostRuns(request: HostHistoryRequest): Promise<Result<HostHistory>> {
    return client.request('hosts:history', request);
  },
  /** Output lines matching `text` (words, "a phrase", prefix*); a bad query comes back as an error to show. */
  searchOutput(request: OutputSearchRequest): Promise<Result<OutputSearch>> {
    return client.request('output:search', request);
  },
};
