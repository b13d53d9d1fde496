/**
 * `directord manage --create-enrolment [--uses N] [--expires DURATION] [--note TEXT]`,
 * `--list-enrolments`, `--revoke-enrolment ID` and `--revoke-node NAME` (issue #5 identities).
 */
import type { EnrolmentCreated, EnrolmentInfo } from '../../protocol/enrolment.js';
import { REQUEST_TIMEOUT_MS, unwrap, type UiClient } from '../connection.js';
import { CliError, EXIT } from '../errors.js';
import { tabulate } from '../format/table.js';
import { line, write } from '../output.js';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `12h`, `7d` or a number of seconds → milliseconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * (UNITS[(match[2] || 's').toLowerCase()] ?? 1000);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function renderCreated(created: EnrolmentCreated, serverUrl: string): string {
  const fingerprint = created.fingerprint ? ` --fingerprint ${created.fingerprint}` : '';
  return [
    `Enrolment token ${created.id} (${created.uses === 1 ? 'single use' : `${created.uses} uses`}, expires ${iso(created.expiresAt)}${created.note ? `, ${created.note}` : ''}):`,
    created.token,
    ...(created.fingerprint ? [`Server certificate SHA-256 fingerprint: ${created.fingerprint}`] : []),
    'On the new host:',
    `  directord agent --server ${serverUrl} --token ${created.token} --name NAME${fingerprint}`,
    '',
  ].join('\n');
}

export function renderEnrolments(items: readonly EnrolmentInfo[]): string {
  return tabulate(
    ['ID', 'STATE', 'USES', 'EXPIRES', 'CREATED BY', 'NOTE'],
    items.map((e) => [e.id, e.state, `${e.uses}/${e.maxUses}`, iso(e.expiresAt), e.createdBy, e.note]),
  );
}

export type AccessAction =
  | Readonly<{ kind: 'create'; uses?: number; expires?: string; note?: string }>
  | Readonly<{ kind: 'list' }>
  | Readonly<{ kind: 'revoke-enrolment'; id: string }>
  | Readonly<{ kind: 'revoke-node'; identity: string }>;

export async function runAccessAction(client: UiClient, action: AccessAction, serverUrl: string): Promise<void> {
  switch (action.kind) {
    case 'create': {
      const ttlMs = action.expires === undefined ? undefined : parseDuration(action.expires);
      if (ttlMs === null) throw new CliError(`--expires ${action.expires}: expected a duration such as 90s, 30m, 12h or 7d`, EXIT.usage);
      const request = {
        ...(action.uses !== undefined ? { uses: action.uses } : {}),
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...(action.note ? { note: action.note } : {}),
      };
      write(
        renderCreated(
          unwrap(await client.request('enrolments:create', REQUEST_TIMEOUT_MS, request), 'Creating an enrolment token failed'),
          serverUrl,
        ),
      );
      return;
    }
    case 'list': {
      const items = unwrap(await client.request('enrolments:list', REQUEST_TIMEOUT_MS), 'Listing enrolment tokens failed');
      if (items.length === 0) throw new CliError('No data found', EXIT.failure);
      line(renderEnrolments(items));
      return;
    }
    case 'revoke-enrolment': {
      const info = unwrap(await client.request('enrolments:revoke', REQUEST_TIMEOUT_MS, action.id), 'Revoking the enrolment token failed');
      write(`Enrolment token ${info.id} revoked\n`);
      return;
    }
    case 'revoke-node': {
      const revoked = unwrap(
        await client.request('agents:revoke', REQUEST_TIMEOUT_MS, {
          identity: action.identity,
          reason: 'revoked with directord manage --revoke-node',
        }),
        'Revoking the node failed',
      );
      write(
        `Node ${revoked.identity} revoked${revoked.disconnected ? ' and disconnected' : ' (it was not connected)'}; its credential is refused from now on\n`,
      );
      return;
    }
  }
}
