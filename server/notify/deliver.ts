/**
 * One delivery attempt per channel: a generic webhook (JSON, signed with
 * `X-Directord-Signature: sha256=<hex HMAC-SHA256 of the raw body>` when it has a secret), a
 * Slack-compatible incoming webhook (`{"text": …}`), or an email through SMTP (nodemailer).
 * Each attempt is bounded in time; what it says back is a short status, never the secret.
 */
import { createHmac } from 'node:crypto';
import type { RunEventPayload } from '../../protocol/automation.js';
import type { NotificationRow } from '../store/types.js';

export type SmtpSettings = Readonly<{ host: string; port: number; secure?: boolean; from: string; user?: string; pass?: string }>;

export type Attempt = Readonly<{ ok: boolean; retryable: boolean; detail: string }>;

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A URL as listings and logs may show it: no user info, no query (incoming-webhook tokens live there and in the path). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/');
    const path = parts.length > 3 ? [...parts.slice(0, 3), '…'].join('/') : u.pathname;
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(invalid URL)';
  }
}

export function summaryLine(p: RunEventPayload): string {
  const hosts = Object.entries(p.hosts)
    .map(
      ([host, counts]) =>
        `${host}: ${Object.entries(counts)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`,
    )
    .join('; ');
  if (p.notStarted)
    return `Directord run ${p.event}: not started (${p.run.source ?? p.run.requestedBy}, requested by ${p.run.requestedBy}) — ${p.notStarted.reason}`;
  return `Directord run ${p.run.runId} ${p.event} (${p.run.source ?? p.run.requestedBy}, requested by ${p.run.requestedBy})${hosts ? ` — ${hosts}` : ''}`;
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'directord-console', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, retryable: false, detail: `HTTP ${res.status}` };
    // 4xx other than 408/429 will not get better by retrying.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    return { ok: false, retryable, detail: `HTTP ${res.status}` };
  } catch (error) {
    const name = (error as Error).name;
    return {
      ok: false,
      retryable: true,
      detail:
        name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `${(error as Error).message}${(error as { cause?: { code?: string } }).cause?.code ? ` (${(error as { cause: { code: string } }).cause.code})` : ''}`,
    };
  }
}

export async function deliverOnce(
  n: NotificationRow,
  payload: RunEventPayload,
  options: Readonly<{ smtp?: SmtpSettings; timeoutMs: number }>,
): Promise<Attempt> {
  switch (n.kind) {
    case 'webhook': {
      const body = JSON.stringify(payload);
      return post(
        n.destination,
        body,
        n.secret
          ? { 'x-directord-signature': signature(body, n.secret), 'x-directord-event': payload.event }
          : { 'x-directord-event': payload.event },
        options.timeoutMs,
      );
    }
    case 'slack':
      return post(n.destination, JSON.stringify({ text: summaryLine(payload) }), {}, options.timeoutMs);
    case 'email': {
      if (!options.smtp) return { ok: false, retryable: false, detail: 'no SMTP server configured (serve --smtp-url)' };
      const { createTransport } = await import('nodemailer');
      const s = options.smtp;
      const transport = createTransport({
        host: s.host,
        port: s.port,
        secure: s.secure === true,
        ...(s.user ? { auth: { user: s.user, pass: s.pass ?? '' } } : {}),
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
      });
      try {
        const info = await transport.sendMail({
          from: s.from,
          to: n.destination,
          subject: `[directord] run ${payload.event}: ${payload.run.source ?? payload.run.runId}`,
          text: `${summaryLine(payload)}\n\n${JSON.stringify(payload, null, 2)}\n`,
        });
        return { ok: true, retryable: false, detail: `accepted by SMTP (${String(info.response).slice(0, 120)})` };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        return { ok: false, retryable: code === undefined || code < 500, detail: `SMTP: ${(error as Error).message.slice(0, 200)}` };
      } finally {
        transport.close();
      }
    }
  }
}
