/**
 * What the audit log keeps of a request's parameters: passwords, tokens and secret values are
 * replaced, long texts cut, so the log never holds a credential (issue #18).
 */
const SECRET_KEYS = /pass(word)?|token|secret|value|credential|^key$|private/i;
const MAX_TEXT = 2000;
const MAX_JSON = 8000;

type Mask = (text: string) => string;

// Masked before it is cut: a secret value that crosses the cut would keep its first part unmasked.
function clean(value: unknown, depth: number, mask: Mask): unknown {
  if (typeof value === 'string') {
    const text = mask(value);
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length} characters)` : text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => clean(v, depth + 1, mask));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Blob contents are data, not parameters: the SHA names them.
    if (k === 'data' || k === 'base64') out[k] = '[content]';
    // A URL can carry a credential: a Slack incoming webhook is one whole, others in their query.
    else if (k === 'url' && typeof v === 'string')
      out[k] = (value as { kind?: unknown }).kind === 'slack' ? '[redacted]' : v.replace(/[?#].*$/s, '?[redacted]');
    else out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null ? '[redacted]' : clean(v, depth + 1, mask);
  }
  return out;
}

/** `mask`: the current secret values' masker, applied to every string before anything is cut. */
export function redactParams(payload: unknown, mask: Mask = (t) => t): string {
  if (payload === undefined) return '';
  const text = JSON.stringify(clean(payload, 0, mask)) ?? '';
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON)}…` : text;
}

/** The object a request acts on, for the log's `object` column: an id or name it carries. */
export function objectOf(payload: unknown): string {
  if (typeof payload === 'string') return payload.slice(0, 200);
  if (payload === null || typeof payload !== 'object') return '';
  const p = payload as Record<string, unknown>;
  for (const key of ['runId', 'jobId', 'identity', 'name', 'id', 'user', 'source']) {
    if (typeof p[key] === 'string') return (p[key] as string).slice(0, 200);
  }
  return '';
}
