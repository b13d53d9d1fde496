/**
 * THE table of request × role (issue #18): the least role each `/ui` request and HTTP route needs,
 * and what the refusal calls it (`forbidden: viewer bob may not deploy runs`). The server checks it
 * at every `/ui` request (socket and `POST /api/ui/<event>`: both go through guard.ts) and at every
 * HTTP route (http-policy below). A request missing here is refused to all but admins, and
 * policy.test.ts fails until it is listed, so a new request cannot slip through open.
 *
 * - viewer: reads everything but secrets;
 * - operator: deploys, re-runs, cancels, manages the Library (within their scope, if any);
 * - admin: users, tokens, enrolment, revocation, purges, host installs, secrets, settings.
 */
import { ROLE_RANK, type Role } from '../../protocol/teams.js';

export type Rule = Readonly<{
  role: Role;
  /** Says what was refused: "may not ACTION". */
  action: string;
  /** Changes something: recorded in the audit log (reads are not). */
  mutates: boolean;
  /**
   * Starts or changes work on hosts, so an operator's scope must hold every host it reaches:
   * `plan`: the hosts the planned run resolves to (scoped-jobs.ts); `run`: every host of the run
   * the request names (scoped-runs.ts, checked by the guard before the handler).
   */
  scoped?: 'plan' | 'run';
}>;

const read = (action: string): Rule => ({ role: 'viewer', action, mutates: false });
const operate = (action: string, scoped?: 'plan' | 'run'): Rule => ({
  role: 'operator',
  action,
  mutates: true,
  ...(scoped ? { scoped } : {}),
});
const administer = (action: string, mutates = true): Rule => ({ role: 'admin', action, mutates });

export const UI_POLICY: Readonly<Record<string, Rule>> = {
  'server:info': read('read server info'),
  'agents:list': read('list agents'),
  'runs:list': read('list runs'),
  'runs:get': read('read runs'),
  'runs:output': read('read output'),
  'jobs:list': read('list jobs'),
  'jobs:get': read('read jobs'),
  'jobs:await': read('wait for jobs'),
  'jobs:output': read('read output'),
  'jobs:outputs': read('read output'),
  'jobs:analyze': read('analyze jobs'),
  'library:list': read('list the Library'),
  'library:get': read('read the Library'),
  'ui:subscribe': read('follow output'),
  'audit:list': read('read the audit log'),
  'audit:verify': read('verify the audit log'),
  'auth:whoami': read('ask who they are'),
  'server:time': read('read the server clock'),
  'jobs:page': read('list jobs'),
  'hosts:history': read('read host history'),
  'output:search': read('search output'),
  'inventory:get': read('read the inventory'),
  'inventory:resolve': read('resolve host patterns'),
  'inventory:export': read('export the inventory'),
  'inventory:smart-list': read('list smart groups'),
  'runs:plan': read('plan runs'),
  'rollouts:get': read('read rollouts'),
  'schedules:list': read('list schedules'),
  'notify:list': read('list notifications'),
  'notify:deliveries': read('read notification deliveries'),
  'triggers:list': read('list triggers'),
  'library:automation': read('read Library automation'),

  'runs:submit': operate('deploy runs', 'plan'),
  'runs:rerun': operate('re-run runs', 'plan'),
  'runs:cancel': operate('cancel runs', 'run'),
  'blobs:has': { role: 'operator', action: 'upload files', mutates: false },
  'blobs:put': operate('upload files'),
  'library:save': operate('change the Library'),
  'library:settings': operate('change the Library'),
  'library:delete': operate('change the Library'),
  // Approve, resume, retry (which also submits: planned and checked as a re-run) and abort.
  'rollouts:act': operate('answer rollouts', 'run'),
  'library:restore-automation': operate('change the Library'),

  'agents:purge': administer('purge agents'),
  'jobs:purge': administer('purge jobs'),
  'hosts:bootstrap': administer('install hosts'),
  'enrolments:create': administer('create enrolment tokens'),
  'enrolments:list': administer('list enrolment tokens', false),
  'enrolments:revoke': administer('revoke enrolment tokens'),
  'agents:revoke': administer('revoke agents'),
  'users:list': administer('list users', false),
  'users:add': administer('add users'),
  'users:set': administer('change users'),
  'users:remove': administer('remove users'),
  'tokens:create': administer('create API tokens'),
  'tokens:list': administer('list API tokens', false),
  'tokens:revoke': administer('revoke API tokens'),
  'secrets:list': administer('list secrets', false),
  'secrets:set': administer('set secrets'),
  'secrets:remove': administer('remove secrets'),
  // The inventory decides what an operator's scope covers, and schedules, triggers and
  // notifications start runs or send data on their own (not as the user): settings, for admins.
  'inventory:import': administer('import the inventory'),
  'inventory:edit': administer('edit the inventory'),
  'inventory:smart-save': administer('save smart groups'),
  'inventory:smart-remove': administer('remove smart groups'),
  'schedules:add': administer('add schedules'),
  'schedules:pause': administer('pause schedules'),
  'schedules:resume': administer('resume schedules'),
  'schedules:remove': administer('remove schedules'),
  'notify:add': administer('add notifications'),
  'notify:test': administer('test notifications'),
  'notify:remove': administer('remove notifications'),
  'triggers:add': administer('add triggers'),
  'triggers:remove': administer('remove triggers'),
};

/** Rule of an event not in the table: admins only, so nothing new is open by default. */
export const UNLISTED: Rule = { role: 'admin', action: 'use requests the role table does not list', mutates: true };

export const ruleOf = (event: string): Rule => UI_POLICY[event] ?? UNLISTED;

export const allows = (role: Role, rule: Rule): boolean => ROLE_RANK[role] >= ROLE_RANK[rule.role];

/** HTTP routes besides `/api/ui/<event>` (which uses UI_POLICY): who may open them. */
export type HttpRoute = Readonly<{ method: 'GET' | 'POST'; path: string; needs: Role | 'anyone' | 'signed-in-user' }>;

export const HTTP_POLICY: readonly HttpRoute[] = [
  { method: 'GET', path: '/healthz', needs: 'anyone' },
  { method: 'GET', path: '/login', needs: 'anyone' },
  { method: 'POST', path: '/auth/login', needs: 'anyone' },
  // Single sign-on (oidc.ts): the provider decides who signs in; 404 when it is not configured.
  { method: 'GET', path: '/auth/oidc/start', needs: 'anyone' },
  { method: 'GET', path: '/auth/oidc/callback', needs: 'anyone' },
  { method: 'GET', path: '/auth/session', needs: 'viewer' },
  { method: 'POST', path: '/auth/logout', needs: 'viewer' },
  { method: 'GET', path: '/account', needs: 'signed-in-user' },
  { method: 'POST', path: '/auth/password', needs: 'signed-in-user' },
  // The console itself (index.html and its assets).
  { method: 'GET', path: '/', needs: 'viewer' },
];

export const forbiddenMessage = (role: Role, user: string, rule: Rule) => `forbidden: ${role} ${user} may not ${rule.action}`;
