/**
 * `directord manage` with exactly one action (spec 2.2, 2.4). Empty answers print
 * `No data found` on stderr and exit 1 (CI loops on `--list-nodes` with this).
 * `--dump-cache` reads the local agents' caches directly and needs no server; so does
 * `--rotate-console-token` (it writes DATA_DIR/ui.token, which a running server re-reads).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AnalyzeRequest } from '../../protocol/ui-events.js';
import { formatWireError } from '../../protocol/result.js';
import { wavesOfJob } from '../../protocol/rollouts.js';
import { REQUEST_TIMEOUT_MS, unwrap, type UiClient } from '../connection.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import type { NodeOutput } from '../format/poll.js';
import { renderAnalysis, renderJobInfo, renderListNodes, renderPurged } from '../format/records.js';
import { line, write } from '../output.js';
import type { ManageOptions } from './manage.options.js';
import { withServer } from '../server-session.js';

export type { ManageOptions } from './manage.options.js';

const ACTIONS = [
  ['listJobs', '--list-jobs'],
  ['listNodes', '--list-nodes'],
  ['jobInfo', '--job-info'],
  ['purgeJobs', '--purge-jobs'],
  ['purgeNodes', '--purge-nodes'],
  ['exportJobs', '--export-jobs'],
  ['exportNodes', '--export-nodes'],
  ['dumpCache', '--dump-cache'],
  ['analyzeParent', '--analyze-parent'],
  ['analyzeJob', '--analyze-job'],
  ['analyzeAll', '--analyze-all'],
  ['createEnrolment', '--create-enrolment'],
  ['listEnrolments', '--list-enrolments'],
  ['revokeEnrolment', '--revoke-enrolment'],
  ['revokeNode', '--revoke-node'],
  ['rotateConsoleToken', '--rotate-console-token'],
  ['searchOutput', '--search-output'],
  ['hostHistory', '--host-history'],
] as const;

export type ManageAction = (typeof ACTIONS)[number][0];

/** The one action given, or a usage error (exit 2). */
export function chooseAction(options: ManageOptions): ManageAction {
  const given = ACTIONS.filter(([key]) => options[key] !== undefined && options[key] !== false);
  if (given.length === 0) throw new CliError(`manage needs exactly one action: ${ACTIONS.map(([, flag]) => flag).join(', ')}`, EXIT.usage);
  if (given.length > 1)
    throw new CliError(`manage takes exactly one action, got ${given.map(([, flag]) => flag).join(' and ')}`, EXIT.usage);
  const action = given[0]![0];
  if (options.filter && action !== 'listJobs') throw new CliError('--filter only applies to --list-jobs', EXIT.usage);
  if (options.limit !== undefined && !['listJobs', 'hostHistory', 'searchOutput'].includes(action))
    throw new CliError('--limit only applies to --list-jobs, --host-history and --search-output', EXIT.usage);
  if (options.after !== undefined && !['listJobs', 'hostHistory'].includes(action))
    throw new CliError('--after only applies to --list-jobs and --host-history', EXIT.usage);
  const searchOnly = (['since', 'host', 'verb'] as const).filter((k) => options[k] !== undefined);
  if (searchOnly.length && action !== 'searchOutput') throw new CliError(`--${searchOnly[0]} only applies to --search-output`, EXIT.usage);
  const enrolmentOnly = (['uses', 'expires', 'note'] as const).filter((k) => options[k] !== undefined);
  if (enrolmentOnly.length && action !== 'createEnrolment')
    throw new CliError(`--${enrolmentOnly[0]} only applies to --create-enrolment`, EXIT.usage);
  return action;
}

const noData = () => new CliError('No data found', EXIT.failure);

async function jobInfo(client: UiClient, id: string): Promise<string> {
  const result = await client.request('jobs:get', REQUEST_TIMEOUT_MS, id);
  if (!result.ok) {
    if (result.error.code === 'not-found') throw noData();
    throw new CliError(`Reading job ${id} failed: ${formatWireError(result.error)}`);
  }
  const job = result.value;
  const outputs = await Promise.all(
    job.targets.map(async (t): Promise<NodeOutput> => {
      const r = await client.request('jobs:output', REQUEST_TIMEOUT_MS, { jobId: job.jobId, target: t.target });
      return { target: t.target, stdout: r.ok ? r.value.stdout : '', stderr: r.ok ? r.value.stderr : '' };
    }),
  );
  // The job's hosts' waves when its entry rolls out (issue #17); `not-found`: no rollout.
  const rollout = await client.request('rollouts:get', REQUEST_TIMEOUT_MS, job.runId);
  return renderJobInfo(id, job, outputs, rollout.ok ? wavesOfJob(rollout.value, job.jobId) : new Map());
}

function sortedRecord<T>(items: readonly T[], key: (item: T) => string): Record<string, T> {
  return Object.fromEntries(items.map((item) => [key(item), item] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function exportYaml(file: string, data: Record<string, unknown>): Promise<void> {
  const { toYaml } = await import('../format/yaml.js');
  writeFileSync(resolve(file), toYaml(data), { mode: 0o600 });
  line(`Exported data to [ ${file} ]`);
}

function analyzeRequest(options: ManageOptions, action: ManageAction): AnalyzeRequest {
  if (action === 'analyzeParent') return { parentId: options.analyzeParent ?? '' };
  if (action === 'analyzeJob') return { jobId: options.analyzeJob ?? '' };
  return { all: true };
}

export async function runManage(options: ManageOptions, ctx: CliContext): Promise<number> {
  const action = chooseAction(options);
  if (action === 'dumpCache') {
    const { dumpCache } = await import('./dump-cache.js');
    write(dumpCache(dataDirOf(ctx)));
    return EXIT.ok;
  }
  if (action === 'rotateConsoleToken') {
    const { rotateConsoleToken } = await import('./rotate-token.js');
    return rotateConsoleToken(dataDirOf(ctx));
  }
  await withServer(ctx, async (client, url) => {
    switch (action) {
      case 'createEnrolment':
      case 'listEnrolments':
      case 'revokeEnrolment':
      case 'revokeNode': {
        const { runAccessAction } = await import('./access.js');
        const access =
          action === 'createEnrolment'
            ? ({
                kind: 'create',
                ...(options.uses !== undefined ? { uses: options.uses } : {}),
                ...(options.expires !== undefined ? { expires: options.expires } : {}),
                ...(options.note !== undefined ? { note: options.note } : {}),
              } as const)
            : action === 'listEnrolments'
              ? ({ kind: 'list' } as const)
              : action === 'revokeEnrolment'
                ? ({ kind: 'revoke-enrolment', id: options.revokeEnrolment ?? '' } as const)
                : ({ kind: 'revoke-node', identity: options.revokeNode ?? '' } as const);
        await runAccessAction(client, access, url);
        return;
      }
      case 'listNodes': {
        const agents = unwrap(await client.request('agents:list', REQUEST_TIMEOUT_MS), 'Listing nodes failed').filter(
          (a) => a.online || a.rebooting,
        );
        if (agents.length === 0) throw noData();
        write(renderListNodes(agents, Date.now()));
        return;
      }
      case 'listJobs':
      case 'searchOutput':
      case 'hostHistory': {
        const { runHistoryAction } = await import('./history.js');
        await runHistoryAction(client, action, options);
        return;
      }
      case 'jobInfo':
        write(await jobInfo(client, options.jobInfo ?? 'last'));
        return;
      case 'purgeJobs':
        unwrap(await client.request('jobs:purge', REQUEST_TIMEOUT_MS), 'Purging jobs failed');
        write(renderPurged());
        return;
      case 'purgeNodes':
        unwrap(await client.request('agents:purge', REQUEST_TIMEOUT_MS), 'Purging nodes failed');
        write(renderPurged());
        return;
      case 'exportJobs': {
        const jobs = unwrap(await client.request('jobs:list', REQUEST_TIMEOUT_MS, {}), 'Listing jobs failed');
        if (jobs.length === 0) throw noData();
        await exportYaml(
          options.exportJobs ?? '',
          sortedRecord(jobs, (j) => j.jobId),
        );
        return;
      }
      case 'exportNodes': {
        const agents = unwrap(await client.request('agents:list', REQUEST_TIMEOUT_MS), 'Listing nodes failed');
        if (agents.length === 0) throw noData();
        await exportYaml(
          options.exportNodes ?? '',
          sortedRecord(agents, (a) => a.identity),
        );
        return;
      }
      case 'analyzeParent':
      case 'analyzeJob':
      case 'analyzeAll': {
        const rows = unwrap(await client.request('jobs:analyze', REQUEST_TIMEOUT_MS, analyzeRequest(options, action)), 'Analysis failed');
        if (rows.length === 0) throw noData();
        write(renderAnalysis(rows));
        return;
      }
    }
  });
  return EXIT.ok;
}
