/** History filter form → RunFilter (pure). */
import type { RunFilter } from '#protocol/records.js';
import type { RunStatus } from '#protocol/states.js';

/** `requestedBy`: `schedule:NAME`, `trigger:NAME`, `console`, `cli`… (exact). */
export type HistoryForm = {
  text: string;
  status: '' | RunStatus;
  target: string;
  verb: string;
  requestedBy: string;
  from: string;
  to: string;
};

export const EMPTY_FORM: HistoryForm = { text: '', status: '', target: '', verb: '', requestedBy: '', from: '', to: '' };

/** `from`/`to` are yyyy-mm-dd in local time; `to` includes the whole day. */
export function toRunFilter(form: HistoryForm): RunFilter {
  const filter: { -readonly [K in keyof RunFilter]: RunFilter[K] } = {};
  if (form.text.trim()) filter.text = form.text.trim();
  if (form.status) filter.status = form.status;
  if (form.target.trim()) filter.target = form.target.trim();
  if (form.verb.trim()) filter.verb = form.verb.trim().toUpperCase();
  if (form.requestedBy.trim()) filter.requestedBy = form.requestedBy.trim();
  const since = dayStart(form.from);
  const until = dayStart(form.to);
  if (since !== null) filter.since = since;
  if (until !== null) filter.until = until + 24 * 3600 * 1000 - 1;
  return filter;
}

function dayStart(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}
