/**
 * Masking secret values in output (issue #18): every occurrence of a value becomes
 * `[secret:NAME]`, also when a job prints it split across output chunks. A stream masker holds
 * back at most (longest value − 1) characters at the end of what it has seen (a possible start of
 * a value) until the next chunk or the end shows whether it was one.
 *
 * Pure and shared: agents mask what their jobs print before it leaves them (with the values they
 * were sent), the server masks again what it stores and shows (with every current value).
 */

export type SecretValue = Readonly<{ name: string; value: string }>;

const mark = (name: string) => `[secret:${name}]`;

/** Values shorter than this are not masked (a one-letter "secret" would mask every such letter). */
export const MIN_MASKED_LENGTH = 4;

function usable(values: readonly SecretValue[]): SecretValue[] {
  // Longest first, so a value containing another is masked whole.
  return values.filter((v) => v.value.length >= MIN_MASKED_LENGTH).sort((a, b) => b.value.length - a.value.length);
}

/** Whether `rest` could still grow into one of the values (a proper prefix of one). */
function mayBecome(rest: string, list: readonly SecretValue[]): boolean {
  return list.some((v) => v.value.length > rest.length && v.value.startsWith(rest));
}

/**
 * Left to right, the longest value at each position first. Stops (when `final` is false) at the
 * first position whose rest might still become a value, and returns that rest as `pending`.
 * Jumps between occurrences with indexOf, so text without a value costs one search per value
 * (output passes through here chunk by chunk, on the agents and on the server).
 */
function scan(text: string, list: readonly SecretValue[], final: boolean): { out: string; pending: string } {
  if (list.length === 0) return { out: text, pending: '' };
  const longest = list[0]?.value.length ?? 0;
  let out = '';
  let i = 0;
  for (;;) {
    let at = -1;
    let found: SecretValue | undefined;
    for (const v of list) {
      const k = text.indexOf(v.value, i);
      // Strictly earlier only: at the same position the longer value (listed first) wins.
      if (k >= 0 && (at < 0 || k < at)) {
        at = k;
        found = v;
      }
    }
    const end = at < 0 ? text.length : at;
    if (!final) {
      // Only the last (longest − 1) positions can start a value that has not ended yet.
      for (let p = Math.max(i, text.length - longest + 1); p < end; p++) {
        const rest = text.slice(p);
        if (mayBecome(rest, list)) return { out: out + text.slice(i, p), pending: rest };
      }
    }
    if (!found) return { out: out + text.slice(i), pending: '' };
    out += text.slice(i, at) + mark(found.name);
    i = at + found.value.length;
  }
}

/** Masks whole occurrences in one text. */
export function maskText(text: string, values: readonly SecretValue[]): string {
  return scan(text, usable(values), true).out;
}

/** A masker for one text at a time with a fixed set of values (sorted once). */
export function createTextMasker(values: readonly SecretValue[]): (text: string) => string {
  const list = usable(values);
  return (text) => scan(text, list, true).out;
}

export type StreamMasker = Readonly<{
  /** The masked text that is safe to send now. */
  push(chunk: string): string;
  /** The rest, masked, at the end of the stream. */
  end(): string;
}>;

export function createStreamMasker(values: readonly SecretValue[]): StreamMasker {
  const list = usable(values);
  let pending = '';
  return {
    push(chunk) {
      const r = scan(pending + chunk, list, false);
      pending = r.pending;
      return r.out;
    },
    end() {
      const rest = scan(pending, list, true).out;
      pending = '';
      return rest;
    },
  };
}
