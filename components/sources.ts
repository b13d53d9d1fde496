/**
 * Operator-side ADD/COPY sources, shared by the CLI (which globs the disk) and the console
 * (which asks the user to attach files): the SOURCE patterns a job names, and how a file name
 * matches one. No Node or DOM here.
 */
import type { JobSubmission } from '../protocol/jobs.js';
import type { Component } from './define.js';
import { parseJob } from './parse.js';

/**
 * The SOURCE patterns of a job whose component reads files on the operator's side
 * (`sourcePatterns`); null when the component takes no files, the string does not parse (the
 * server reports that) or it only asks for `--exec-help`.
 */
export function jobSourcePatterns(component: Component | undefined, job: Pick<JobSubmission, 'text' | 'vars'>): readonly string[] | null {
  if (!component?.sourcePatterns) return null;
  const parsed = parseJob(component, job.text, job.vars);
  if (!parsed.ok || parsed.value.common.exec_help) return null;
  return component.sourcePatterns(parsed.value.fields);
}

const MAGIC = /[*?[]/;

/** Whether a pattern (or one segment of it) has glob characters. */
export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** fnmatch of one path segment as a RegExp (Python `glob` rules: `*`, `?`, `[...]`, `[!...]`). */
export function segmentPattern(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** The last path segment of a pattern (`files/*.conf` → `*.conf`). */
export function patternBaseName(pattern: string): string {
  return pattern.replace(/\/+$/, '').split('/').pop() ?? pattern;
}

/** Whether a file named `name` can stand for `pattern` (its last segment, hidden names only with a leading `.`). */
export function nameMatchesPattern(name: string, pattern: string): boolean {
  const base = patternBaseName(pattern);
  if (!hasMagic(base)) return name === base;
  if (name.startsWith('.') && !base.startsWith('.')) return false;
  return segmentPattern(base).test(name);
}
