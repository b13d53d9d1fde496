/**
 * `directord user …`, `token …` and `audit …` (issue #18): accounts, API tokens and the audit log,
 * through the server like every other command (as the local admin with cli.token, or as the user
 * of `--token` / `$DIRECTORD_TOKEN`). A refusal by role is an error: the CLI exits 1.
 */
import { writeFileSync } from 'node:fs';
import type { AuditEntry, Role } from '../../protocol/teams.js';
import { REQUEST_TIMEOUT_MS, unwrap } from '../connection.js';
import { type CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { tabulate } from '../format/table.js';
import { line, write } from '../output.js';
import { parseDuration } from './access.js';
import { withServer } from '../server-session.js';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  // One trailing newline is what `echo` and a terminal add; anything else is part of the value.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export type UserAddOptions = Readonly<{ role: Role; scope?: string; passwordStdin?: boolean }>;

export async function runUserAdd(name: string, options: UserAddOptions, ctx: CliContext): Promise<number> {
  const password = options.passwordStdin ? await readStdin() : undefined;
  if (password !== undefined && password.length < 12)
    throw new CliError('the password from stdin must be 12 characters or more', EXIT.usage);
  return withServer(ctx, async (client) => {
    const added = unwrap(
      await client.request('users:add', REQUEST_TIMEOUT_MS, {
        name,
        role: options.role,
        ...(options.scope ? { scope: options.scope } : {}),
        ...(password !== undefined ? { password } : {}),
      }),
      `Adding user ${name} failed`,
    );
    const u = added.user;
    write(`User ${u.name} added: ${u.role}${u.scope ? ` scoped to ${u.scope}` : ''}.\n`);
    if (added.oneTimePassword)
      write(`One-time password (sign in at /login, then choose your own at /account):\n${added.oneTimePassword}\n`);
    return EXIT.ok;
  });
}

export async function runUserList(ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const users = unwrap(await client.request('users:list', REQUEST_TIMEOUT_MS, {}), 'Listing users failed');
    if (users.length === 0) throw new CliError('No data found', EXIT.failure);
    line(
      tabulate(
        ['NAME', 'ROLE', 'SCOPE', 'STATE', 'SOURCE', 'CREATED', 'BY'],
        users.map((u) => [
          u.name,
          u.role,
          u.scope ?? '-',
          u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active',
          u.source,
          iso(u.createdAt),
          u.createdBy,
        ]),
      ),
    );
    return EXIT.ok;
  });
}

export type UserSetOptions = Readonly<{ role?: Role; scope?: string | false; disable?: boolean; enable?: boolean }>;

export async function runUserSet(name: string, options: UserSetOptions, ctx: CliContext): Promise<number> {
  if (options.disable && options.enable) throw new CliError('--disable and --enable exclude each other', EXIT.usage);
  const request = {
    name,
    ...(options.role ? { role: options.role } : {}),
    ...(options.scope === false ? { scope: null } : options.scope !== undefined ? { scope: options.scope } : {}),
    ...(options.disable ? { disabled: true } : options.enable ? { disabled: false } : {}),
  };
  return withServer(ctx, async (client) => {
    const u = unwrap(await client.request('users:set', REQUEST_TIMEOUT_MS, request), `Changing user ${name} failed`);
    write(`User ${u.name}: ${u.role}${u.scope ? ` scoped to ${u.scope}` : ''}${u.disabled ? ', disabled' : ''}.\n`);
    return EXIT.ok;
  });
}

export async function runUserRemove(name: string, ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    unwrap(await client.request('users:remove', REQUEST_TIMEOUT_MS, name), `Removing user ${name} failed`);
    write(`User ${name} removed (with their sessions and API tokens).\n`);
    return EXIT.ok;
  });
}

export async function runTokenCreate(
  options: Readonly<{ user: string; expires?: string; note?: string }>,
  ctx: CliContext,
): Promise<number> {
  const ttlMs = options.expires === undefined ? undefined : parseDuration(options.expires);
  if (ttlMs === null) throw new CliError(`--expires ${options.expires}: expected a duration such as 12h, 30d`, EXIT.usage);
  return withServer(ctx, async (client) => {
    const t = unwrap(
      await client.request('tokens:create', REQUEST_TIMEOUT_MS, {
        user: options.user,
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...(options.note ? { note: options.note } : {}),
      }),
      'Creating an API token failed',
    );
    // The token alone on the last line, so scripts can take it with `tail -n 1`.
    write(
      `API token ${t.id} for ${t.user} (expires ${t.expiresAt === null ? 'never' : iso(t.expiresAt)}); it is shown once, use it as DIRECTORD_TOKEN or --token:\n${t.token}\n`,
    );
    return EXIT.ok;
  });
}

export async function runTokenList(options: Readonly<{ user?: string }>, ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const tokens = unwrap(
      await client.request('tokens:list', REQUEST_TIMEOUT_MS, options.user ? { user: options.user } : {}),
      'Listing API tokens failed',
    );
    if (tokens.length === 0) throw new CliError('No data found', EXIT.failure);
    const now = Date.now();
    line(
      tabulate(
        ['ID', 'USER', 'STATE', 'EXPIRES', 'LAST USED', 'CREATED BY', 'NOTE'],
        tokens.map((t) => [
          t.id,
          t.user,
          t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active',
          iso(t.expiresAt),
          iso(t.lastUsedAt),
          t.createdBy,
          t.note,
        ]),
      ),
    );
    return EXIT.ok;
  });
}

export async function runTokenRevoke(id: string, ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const t = unwrap(await client.request('tokens:revoke', REQUEST_TIMEOUT_MS, id), `Revoking API token ${id} failed`);
    write(`API token ${t.id} of ${t.user} revoked.\n`);
    return EXIT.ok;
  });
}

/** `--since`: an ISO time, or a duration back from now (`1h`, `7d`). */
export function parseSince(text: string, now = Date.now()): number {
  const back = parseDuration(text);
  if (back !== null && !/^\d{4}-/.test(text)) return now - back;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new CliError(`--since ${text}: expected a time (2026-01-31T12:00Z) or a duration back from now (90m, 12h, 7d)`, EXIT.usage);
  return at;
}

export type AuditListOptions = Readonly<{ user?: string; action?: string; since?: string; limit?: number; json?: boolean }>;

export const renderAudit = (rows: readonly AuditEntry[]) =>
  tabulate(
    ['SEQ', 'TIME', 'USER', 'ROLE', 'ACTION', 'OBJECT', 'RESULT', 'ADDRESS', 'DETAIL'],
    rows.map((r) => [String(r.seq), iso(r.at), r.user, r.role || '-', r.action, r.object || '-', r.result, r.address || '-', r.detail]),
  );

export async function runAuditList(options: AuditListOptions, ctx: CliContext): Promise<number> {
  const query = {
    ...(options.user ? { user: options.user } : {}),
    ...(options.action ? { action: options.action } : {}),
    ...(options.since ? { since: parseSince(options.since) } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
  };
  return withServer(ctx, async (client) => {
    const rows = unwrap(await client.request('audit:list', REQUEST_TIMEOUT_MS, query), 'Reading the audit log failed');
    if (options.json) {
      write(rows.map((r) => JSON.stringify(r) + '\n').join(''));
      return EXIT.ok;
    }
    if (rows.length === 0) throw new CliError('No data found', EXIT.failure);
    line(renderAudit(rows));
    return EXIT.ok;
  });
}

/** Every row as JSON Lines, to FILE or stdout. */
export async function runAuditExport(file: string | undefined, ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const rows = unwrap(await client.request('audit:list', REQUEST_TIMEOUT_MS, { limit: 100_000 }), 'Reading the audit log failed');
    const text = rows.map((r) => JSON.stringify(r) + '\n').join('');
    if (file) {
      writeFileSync(file, text, { mode: 0o600 });
      write(`${rows.length} audit rows written to ${file}\n`);
    } else write(text);
    return EXIT.ok;
  });
}

export async function runAuditVerify(ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const v = unwrap(await client.request('audit:verify', REQUEST_TIMEOUT_MS, {}), 'Verifying the audit log failed');
    if (v.ok) {
      write(`audit log intact: ${v.rows} rows, each chained to the one before\n`);
      return EXIT.ok;
    }
    throw new CliError(`audit log broken at row ${v.firstBad}: ${v.reason}`, EXIT.failure);
  });
}

/** `secret set NAME`: the value from stdin (never an argument: it would sit in the shell history and `ps`). */
export async function runSecretSet(name: string, ctx: CliContext): Promise<number> {
  const value = await readStdin();
  if (value === '')
    throw new CliError(`secret set ${name}: give the value on stdin, e.g. printf %s "$VALUE" | directord secret set ${name}`, EXIT.usage);
  return withServer(ctx, async (client) => {
    const s = unwrap(await client.request('secrets:set', REQUEST_TIMEOUT_MS, { name, value }), `Setting secret ${name} failed`);
    write(`Secret ${s.name} set (version ${s.version}); jobs use it as {{ secrets.${s.name} }}.\n`);
    return EXIT.ok;
  });
}

export async function runSecretList(ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    const list = unwrap(await client.request('secrets:list', REQUEST_TIMEOUT_MS, {}), 'Listing secrets failed');
    if (list.length === 0) throw new CliError('No data found', EXIT.failure);
    line(
      tabulate(
        ['NAME', 'VERSION', 'CHANGED', 'BY'],
        list.map((s) => [s.name, String(s.version), iso(s.updatedAt), s.updatedBy]),
      ),
    );
    return EXIT.ok;
  });
}

export async function runSecretRemove(name: string, ctx: CliContext): Promise<number> {
  return withServer(ctx, async (client) => {
    unwrap(await client.request('secrets:remove', REQUEST_TIMEOUT_MS, name), `Removing secret ${name} failed`);
    write(`Secret ${name} removed.\n`);
    return EXIT.ok;
  });
}
