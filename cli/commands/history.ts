/**
 * `manage --list-jobs`, `--search-output` and `--host-history` (issue #15): each reads one keyset
 * page from precomputed counts or the output index, so they answer as fast on a million results
 * as on ten. `--list-jobs` shows the newest 1,000 by default and says how to see older ones.
 */
import { formatWireError } from '../../protocol/result.js';
import { REQUEST_TIMEOUT_MS, unwrap, type UiClient } from '../connection.js';
import { CliError, EXIT } from '../errors.js';
import { moreHostRunsHint, moreJobsHint, renderHostHistory, renderJobSummaries, renderOutputHits } from '../format/history.js';
import { errorLine, write } from '../output.js';
import { parseDuration } from './access.js';
import type { ManageOptions } from './manage.options.js';

export const LIST_JOBS_DEFAULT = 1000;

const noData = () => new CliError('No data found', EXIT.failure);

export async function runHistoryAction(
  client: UiClient,
  action: 'listJobs' | 'searchOutput' | 'hostHistory',
  options: ManageOptions,
): Promise<void> {
  if (action === 'listJobs') {
    const limit = options.limit ?? LIST_JOBS_DEFAULT;
    if (limit < 1 || limit > 10_000) throw new CliError('--limit must be 1 to 10000', EXIT.usage);
    const result = await client.request('jobs:page', REQUEST_TIMEOUT_MS, {
      limit,
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.after ? { after: options.after } : {}),
    });
    if (!result.ok && result.error.code === 'not-found') throw new CliError(`--after: ${result.error.message}`, EXIT.failure);
    const page = unwrap(result, 'Listing jobs failed');
    if (page.jobs.length === 0) throw noData();
    write(renderJobSummaries(page.jobs));
    // On stderr, so the table on stdout stays what scripts parse.
    if (page.next !== null) errorLine(moreJobsHint(page.jobs.length, page.next));
    return;
  }
  if (action === 'hostHistory') {
    const name = options.hostHistory ?? '';
    const limit = options.limit ?? 20;
    if (limit < 1 || limit > 1000) throw new CliError('--limit must be 1 to 1000', EXIT.usage);
    const history = unwrap(
      await client.request('hosts:history', REQUEST_TIMEOUT_MS, {
        target: name,
        limit,
        ...(options.after ? { beforeRun: options.after } : {}),
      }),
      'Reading host history failed',
    );
    if (history.runs.length === 0) throw noData();
    write(renderHostHistory(history));
    if (history.next !== null) errorLine(moreHostRunsHint(name, history.next.beforeRun));
    return;
  }
  const since = options.since === undefined ? undefined : parseDuration(options.since);
  if (since === null)
    throw new CliError(`--since: expected a duration like 90s, 30m, 12h or 7d, got ${JSON.stringify(options.since)}`, EXIT.usage);
  const limit = options.limit ?? 100;
  if (limit < 1 || limit > 1000) throw new CliError('--limit must be 1 to 1000', EXIT.usage);
  const result = await client.request('output:search', REQUEST_TIMEOUT_MS, {
    text: options.searchOutput ?? '',
    limit,
    ...(since !== undefined ? { since: Date.now() - since } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.verb ? { verb: options.verb } : {}),
  });
  if (!result.ok) {
    if (result.error.code === 'invalid-payload') throw new CliError(result.error.message.replace(/^output:search: /, ''), EXIT.usage);
    throw new CliError(`Searching output failed: ${formatWireError(result.error)}`);
  }
  if (result.value.hits.length === 0) throw noData();
  write(renderOutputHits(result.value.hits));
  if (result.value.truncated)
    errorLine(`More lines matched than ${limit}: narrow with --since, --host or --verb, or raise --limit (at most 1000).`);
}
