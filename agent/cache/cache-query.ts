/**
 * The read-only `cache:query` of a plan (issue #17): the cached outcome of each asked job SHA.
 * It only reads the cache (no journal write, no expiry sweep), so asking changes nothing.
 */
import type { CacheStates } from '../../protocol/plan.js';
import type { Result } from '../../protocol/result.js';

const SHA = /^[0-9a-f]{56}$/;
const MAX_SHAS = 20_000;

export function answerCacheQuery(query: unknown, jobState: (sha: string) => 'succeeded' | 'failed' | undefined): Result<CacheStates> {
  const shas = (query as { shas?: unknown } | null)?.shas;
  if (!Array.isArray(shas) || shas.length > MAX_SHAS || !shas.every((s) => typeof s === 'string' && SHA.test(s))) {
    return {
      ok: false,
      error: { code: 'invalid-payload', message: `cache:query: expected {shas: [SHA3-224…]} with at most ${MAX_SHAS} entries` },
    };
  }
  const states: Record<string, 'succeeded' | 'failed' | null> = {};
  for (const sha of shas as string[]) states[sha] = jobState(sha) ?? null;
  return { ok: true, value: { states } };
}
