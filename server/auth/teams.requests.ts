/** The `/ui` requests of issue #18 (users, API tokens, the audit log, who am I); roles are checked by guard.ts. */
import { fail, ok } from '../../protocol/result.js';
import {
  AuditQuerySchema,
  SecretNameSchema,
  SecretSetSchema,
  TokenCreateSchema,
  TokenIdSchema,
  TokenListSchema,
  UserAddSchema,
  UserListSchema,
  UserNameSchema,
  UserSetSchema,
} from '../../protocol/teams.js';
import { compileValidator } from '../../protocol/validate.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { SecretsService } from '../secrets/secrets.service.js';
import type { On } from '../ui/ui.request-types.js';
import { currentPrincipal } from './guard.js';
import type { Teams } from './teams.service.js';

const empty = compileValidator(UserListSchema);
const userAdd = compileValidator(UserAddSchema);
const userSet = compileValidator(UserSetSchema);
const userName = compileValidator(UserNameSchema);
const tokenCreate = compileValidator(TokenCreateSchema);
const tokenList = compileValidator(TokenListSchema);
const tokenId = compileValidator(TokenIdSchema);
const auditQuery = compileValidator(AuditQuerySchema);
const secretSet = compileValidator(SecretSetSchema);
const secretName = compileValidator(SecretNameSchema);

/** Registered on the one request table (ui.requests.ts `extensions`), so guard.ts sees them with the rest. */
export function teamsRequests(deps: Readonly<{ teams: Teams; audit: AuditLog; secrets: SecretsService }>): (on: On) => void {
  return (on) => {
    const { teams, audit } = deps;

    on('auth:whoami', (payload) => {
      const r = empty.parse(payload ?? {}, 'auth:whoami');
      const who = currentPrincipal();
      return !r.ok ? r : who ? ok(who) : fail('unauthorized', 'no caller');
    });
    on('users:list', (payload) => {
      const r = empty.parse(payload ?? {}, 'users:list');
      return r.ok ? ok(teams.list()) : r;
    });
    on('users:add', async (payload, caller) => {
      const r = userAdd.parse(payload, 'users:add');
      return r.ok ? teams.add(r.value, caller.client) : r;
    });
    on('users:set', async (payload) => {
      const r = userSet.parse(payload, 'users:set');
      return r.ok ? teams.set(r.value) : r;
    });
    on('users:remove', async (payload) => {
      const r = userName.parse(payload, 'users:remove');
      return r.ok ? teams.remove(r.value) : r;
    });
    on('tokens:create', async (payload, caller) => {
      const r = tokenCreate.parse(payload, 'tokens:create');
      return r.ok ? teams.createToken(r.value.user, r.value.ttlMs, r.value.note ?? '', caller.client) : r;
    });
    on('tokens:list', (payload) => {
      const r = tokenList.parse(payload ?? {}, 'tokens:list');
      return r.ok ? ok(teams.tokens(r.value.user)) : r;
    });
    on('tokens:revoke', async (payload) => {
      const r = tokenId.parse(payload, 'tokens:revoke');
      return r.ok ? teams.revokeToken(r.value) : r;
    });
    on('audit:list', async (payload) => {
      const r = auditQuery.parse(payload ?? {}, 'audit:list');
      return r.ok ? ok(await audit.list(r.value)) : r;
    });
    on('audit:verify', async (payload) => {
      const r = empty.parse(payload ?? {}, 'audit:verify');
      return r.ok ? ok(await audit.verify()) : r;
    });

    on('secrets:list', async (payload) => {
      const r = empty.parse(payload ?? {}, 'secrets:list');
      return r.ok ? ok(await deps.secrets.list()) : r;
    });
    on('secrets:set', async (payload, caller) => {
      const r = secretSet.parse(payload, 'secrets:set');
      return r.ok ? deps.secrets.set(r.value.name, r.value.value, caller.client) : r;
    });
    on('secrets:remove', async (payload) => {
      const r = secretName.parse(payload, 'secrets:remove');
      return r.ok ? deps.secrets.remove(r.value) : r;
    });
  };
}
