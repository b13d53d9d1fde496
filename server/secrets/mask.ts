/**
 * Masking secret values in output (issue #18): every occurrence of a value becomes
 * `[secret:NAME]`, also when a job prints it split across output chunks. A stream masker holds
 * back at most (longest value − 1) characters at the end of what it has seen (a possible start of
 * a value) until the next chunk or the end shows whether it was one.
 */

export type SecretValue = Readonly<{ name: string; value: string }>;

const mark = (name: string) => `[secret:${name}]`;

/** Values shorter than this are not masked (a one-letter "secret" would mask every such letter). */
export const MIN_MASKED_LENGTH = 4;

function usable(values: readonly SecretValue[]): SecretValue[] {
  // Longest first, so a value containing another is masked whole.
  return values.filter((v) => v.value.length >= MIN_MASKED_LENGTH).sort((a, b) => b.value.length - a.value.length);
}

/**
 * Left to right, the longest value at each position first. Stops (when `final` is false) at the
 * first position whose rest might still become a value, and returns that rest as `pending`.
 */
function scan(text: string, list: readonly SecretValue[], final: boolean): { out: string; pending: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const whole = list.find((v) => text.startsWith(v.value, i));
    if (whole) {
      out += mark(whole.name);
      i += whole.value.length;
      continue;
    }
    if (!final) {
      const rest = text.slice(i);
      if (list.some((v) => v.value.length > rest.length && v.value.startsWith(rest))) return { out, pending: rest };
    }
    out += text[i];
    i++;
  }
  return { out, pending: '' };
}

/** Masks whole occurrences in one text. */
export function maskText(text: string, values: readonly SecretValue[]): string {
  return scan(text, usable(values), true).out;
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
