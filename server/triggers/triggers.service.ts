/**
 * Inbound triggers: `POST /hooks/<id>` starts the trigger's orchestration, requested by
 * `trigger:NAME`, with vars taken only from the allow-listed JSON fields of the body. It is
 * authenticated by the trigger's own secret — `Authorization: Bearer SECRET` (checked against its
 * SHA-256) or GitHub's `X-Hub-Signature-256: sha256=HMAC(body)` — and never by the console's
 * cookie or tokens. Accepted requests are limited per trigger; bad ones answer 401, which the
 * server's failed-login limiter counts per address.
 */
import type { AuditLog } from '../audit/audit.service.js';
import { seal, unseal, type SecretsKey } from '../secrets/seal.js';
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScheduleNameSchema, TriggerAddSchema, type TriggerCreated, type TriggerInfo } from '../../protocol/automation.js';
import type { RunSubmission, RunSubmitted } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import { loadOrchestration } from '../../components/orchestration.js';
import { libraryIdByName } from '../schedules/library-ref.js';
import { automationSubmission, describeSource, runningRunOf, type NotStarted, type SourceDeps } from '../schedules/source.js';
import type { Store, TriggerRow } from '../store/types.js';

const addValidator = compileValidator(TriggerAddSchema);
const nameValidator = compileValidator(ScheduleNameSchema);
const MAX_BODY = 1024 * 1024;
const MAX_VAR_CHARS = 4096;
const HOOK_PATH = /^\/hooks\/([A-Za-z0-9-]{1,64})$/;

export type TriggerLimits = Readonly<{ burst?: number; perMinute?: number }>;

export type TriggersService = ReturnType<typeof createTriggersService>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `a.b.c` of a parsed JSON body; only strings, numbers and booleans become vars. */
export function pickVars(body: unknown, fields: readonly string[]): Record<string, string | number | boolean> {
  const vars: Record<string, string | number | boolean> = {};
  for (const field of fields) {
    let value: unknown = body;
    for (const key of field.split('.'))
      value =
        value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string') vars[field.replaceAll('.', '_')] = value.slice(0, MAX_VAR_CHARS);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') vars[field.replaceAll('.', '_')] = value;
  }
  return vars;
}

export function createTriggersService(
  deps: Readonly<{
    store: Pick<Store, 'triggers' | 'library'>;
    /** The HMAC key of a trigger is stored sealed under it (DATA_DIR/secrets.key). */
    key: SecretsKey;
    clock: () => number;
    log: Logger;
    submit: (submission: RunSubmission, requestedBy: string) => Promise<Result<RunSubmitted>>;
    lookup?: SourceDeps['lookup'];
    limits?: TriggerLimits;
    /** Every hook request that authenticated or was refused is recorded (as `trigger:NAME`, or `anonymous`). */
    audit?: AuditLog;
    /** A request refused because its Library item is still running (notifications send it as a failure). */
    notStarted?: (notice: NotStarted) => void;
  }>,
) {
  const { store, clock, log } = deps;
  const burst = deps.limits?.burst ?? 10;
  const perMinute = deps.limits?.perMinute ?? 30;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const info = async (t: TriggerRow): Promise<TriggerInfo> => ({
    name: t.name,
    id: t.id,
    source: await describeSource(t, store.library),
    libraryId: t.libraryId,
    target: t.target,
    varsFrom: t.varsFrom,
    auth: t.hmacKey === null ? 'bearer' : 'any',
    createdAt: t.createdAt,
    lastFiredAt: t.lastFiredAt,
  });

  /** One token per accepted request; `perMinute` come back each minute, at most `burst` saved. */
  function take(id: string): boolean {
    const now = clock();
    const b = buckets.get(id) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 60_000) * perMinute);
    b.at = now;
    buckets.set(id, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  function authenticated(t: TriggerRow, req: IncomingMessage, body: Buffer): boolean {
    const authorization = req.headers.authorization;
    if (typeof authorization === 'string' && /^Bearer /i.test(authorization))
      return sameText(sha256(authorization.slice(7).trim()), t.secretHash);
    const signature = req.headers['x-hub-signature-256'];
    if (typeof signature === 'string' && t.hmacKey !== null) {
      const hmacKey = unseal(deps.key, `trigger:${t.id}`, 1, t.hmacKey);
      return (
        hmacKey !== null && sameText(signature.trim().toLowerCase(), `sha256=${createHmac('sha256', hmacKey).update(body).digest('hex')}`)
      );
    }
    return false;
  }

  const answer = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(JSON.stringify(value) + '\n');
  };

  async function fire(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) return answer(res, 413, fail('too-large', `the body is larger than ${MAX_BODY} bytes`));
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    const t = await store.triggers.byId(id);
    // Unknown ids and bad secrets look the same from outside (and both count as failed logins).
    if (!t || !authenticated(t, req, body)) {
      log.warn('trigger request refused: unknown trigger or bad secret', { address: req.socket.remoteAddress, trigger: t?.name ?? null });
      void deps.audit?.record({
        user: 'anonymous',
        role: 'none',
        action: 'trigger:fire',
        object: id,
        result: 'refused',
        detail: 'unknown trigger or bad secret',
        address: req.socket.remoteAddress ?? '',
      });
      return answer(
        res,
        401,
        fail(
          'unauthorized',
          'unknown trigger or bad secret (Authorization: Bearer SECRET, or X-Hub-Signature-256: sha256=HMAC of the body)',
        ),
      );
    }
    if (!take(t.id))
      return answer(
        res,
        429,
        fail('rate-limited', `trigger ${t.name} accepts ${perMinute} requests a minute (burst ${burst}); retry later`),
        { 'Retry-After': '60' },
      );
    let parsed: unknown = null;
    if (t.varsFrom.length && body.length) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return answer(
          res,
          400,
          fail('invalid-payload', `trigger ${t.name} takes vars from a JSON body (${t.varsFrom.join(', ')}); the body is not JSON`),
        );
      }
    }
    const requestedBy = `trigger:${t.name}`;
    const submission = await automationSubmission(
      t,
      { target: t.target, vars: pickVars(parsed, t.varsFrom), requestedBy },
      { library: store.library, ...(deps.lookup ? { lookup: deps.lookup } : {}) },
    );
    const result = submission.ok ? await deps.submit(submission.value, requestedBy) : submission;
    await store.triggers.markFired(t.id, clock());
    void deps.audit?.record({
      user: `trigger:${t.name}`,
      role: 'trigger',
      action: 'trigger:fire',
      object: t.id,
      result: result.ok ? 'ok' : 'error',
      detail: result.ok ? result.value.runId : result.error.message,
      address: req.socket.remoteAddress ?? '',
    });
    if (!result.ok) {
      log.warn('trigger fired but its run did not start', { trigger: t.name, error: result.error.message });
      if (result.error.code !== 'already-running') return answer(res, 422, result);
      // 409: the request was fine; the item is busy (its earlier run is not finished).
      deps.notStarted?.({
        libraryId: t.libraryId,
        source: submission.ok ? (submission.value.source ?? requestedBy) : requestedBy,
        requestedBy,
        reason: result.error.message,
        runningRunId: runningRunOf(result.error),
        at: clock(),
      });
      return answer(res, 409, result);
    }
    log.info('trigger fired', { trigger: t.name, runId: result.value.runId });
    answer(res, 202, ok({ runId: result.value.runId }));
  }

  return {
    async add(payload: unknown): Promise<Result<TriggerCreated>> {
      const request = addValidator.parse(payload, 'triggers:add');
      if (!request.ok) return request;
      const r = request.value;
      let source: Pick<TriggerRow, 'libraryId' | 'file' | 'fileText'>;
      if ('library' in r.source) {
        const libraryId = await libraryIdByName(store.library, r.source.library);
        if (!libraryId.ok) return libraryId;
        source = { libraryId: libraryId.value, file: null, fileText: null };
      } else {
        const loaded = loadOrchestration(r.source.text, r.source.file);
        if (!loaded.ok) return loaded;
        source = { libraryId: null, file: r.source.file, fileText: r.source.text };
      }
      const secret = randomBytes(32).toString('base64url');
      const id = randomUUID();
      const row: TriggerRow = {
        id,
        name: r.name,
        ...source,
        target: r.target ?? null,
        varsFrom: [...new Set(r.varsFrom ?? [])],
        secretHash: sha256(secret),
        hmacKey: r.auth === 'bearer' ? null : seal(deps.key, `trigger:${id}`, 1, secret),
        createdAt: clock(),
        lastFiredAt: null,
      };
      if (!(await store.triggers.insert(row)))
        return fail('conflict', `a trigger named ${r.name} exists; remove it first (directord trigger rm ${r.name})`, {
          location: { field: 'name' },
        });
      return ok({ ...(await info(row)), path: `/hooks/${row.id}`, secret });
    },
    list: async (): Promise<TriggerInfo[]> => Promise.all((await store.triggers.all()).map(info)),
    async remove(payload: unknown): Promise<Result<null>> {
      const name = nameValidator.parse(payload, 'triggers:remove');
      if (!name.ok) return name;
      return (await store.triggers.remove(name.value)) ? ok(null) : fail('not-found', `no trigger named ${name.value}`);
    },
    /** The HTTP route: true when it answered (any `/hooks/…` path). */
    http(req: IncomingMessage, res: ServerResponse): boolean {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith('/hooks/')) return false;
      const match = HOOK_PATH.exec(path);
      if (!match) {
        answer(res, 404, fail('not-found', 'no such hook'));
        return true;
      }
      if (req.method !== 'POST') {
        answer(res, 405, fail('invalid-payload', 'hooks take POST'), { Allow: 'POST' });
        return true;
      }
      fire(req, res, match[1]!).catch((error: unknown) => {
        log.error('trigger request failed', { error: String(error) });
        if (!res.headersSent) answer(res, 500, fail('internal', 'the trigger failed; see the server log'));
      });
      return true;
    },
  };
}
