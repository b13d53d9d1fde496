/**
 * `--exec-help` (spec 4.2): a component's usage in Python argparse's layout, with the
 * common options first, the component's options, then its positionals. Lines wrap at
 * 78 columns, as argparse does in an 80-column terminal.
 */
import type { TSchema } from '@sinclair/typebox';
import { argvSpecs, isPositional, type ArgvSpec } from './argv.js';
import { commonArgsFor } from './common-args.js';
import type { Component } from './define.js';

const WIDTH = 78;
const HELP_POSITION = 24;

/** Greedy word wrap of `text` to `width`, every line prefixed with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function usagePart(spec: ArgvSpec): string {
  switch (spec.kind) {
    case 'flag':
      return `[${spec.flag}]`;
    case 'option': {
      const part = `${spec.flag} ${spec.metavar}${spec.schema.type === 'array' ? ` [${spec.metavar} ...]` : ''}`;
      // As argparse: a required option (no default) is shown without brackets.
      return spec.required && spec.schema.default === undefined ? part : `[${part}]`;
    }
    case 'positional':
      return spec.required ? spec.metavar : `[${spec.metavar}]`;
    default:
      if (spec.kind === 'rest') return spec.required ? `${spec.metavar} ...` : `[${spec.metavar} ...]`;
      return spec.required ? `${spec.metavar} [${spec.metavar} ...]` : `[${spec.metavar} ...]`;
  }
}

/** argparse's usage wrapping: options after `usage: directord`, positionals on their own lines. */
function usage(options: ArgvSpec[], positionals: ArgvSpec[]): string[] {
  const prefix = 'usage: directord';
  const optParts = options.map(usagePart);
  const posParts = positionals.map(usagePart);
  const oneLine = [prefix, ...optParts, ...posParts].join(' ');
  if (oneLine.length <= WIDTH) return [oneLine];
  const indent = ' '.repeat(prefix.length + 1);
  const lines: string[] = [];
  let line = prefix;
  for (const part of optParts) {
    if (line.length + 1 + part.length > WIDTH && line.trim() !== '') {
      lines.push(line);
      line = indent + part;
    } else line = `${line} ${part}`;
  }
  lines.push(line);
  if (posParts.length) {
    let pos = '';
    for (const part of posParts) {
      if (pos && indent.length + pos.length + 1 + part.length > WIDTH) {
        lines.push(indent + pos);
        pos = part;
      } else pos = pos ? `${pos} ${part}` : part;
    }
    lines.push(indent + pos);
  }
  return lines;
}

function helpText(schema: TSchema): string {
  const text = typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : '';
  const dflt: unknown = schema.default;
  if (dflt === undefined || dflt === false || dflt === '') return text;
  return `${text}${text && !/[.!?]$/.test(text) ? '.' : ''} Default: ${String(dflt)}.`.trim();
}

function entry(spec: ArgvSpec): string[] {
  const invocation = isPositional(spec) ? spec.metavar : spec.kind === 'flag' ? spec.flag : `${spec.flag} ${spec.metavar}`;
  const help = wrap(helpText(spec.schema), WIDTH, ' '.repeat(HELP_POSITION));
  const head = `  ${invocation}`;
  if (help.length === 0) return [head];
  if (head.length <= HELP_POSITION - 2) return [head.padEnd(HELP_POSITION) + (help[0] ?? '').trimStart(), ...help.slice(1)];
  return [head, ...help];
}

/** The `--exec-help` text of `component` (ends with a newline). */
export function formatExecHelp(component: Component): string {
  const common = argvSpecs(commonArgsFor(component));
  const own = argvSpecs(component.args);
  const options = [...common, ...own.filter((s) => !isPositional(s))];
  const positionals = own.filter(isPositional);
  const lines = [...usage(options, positionals), ''];
  const description = component.description ?? component.summary;
  if (description) lines.push(...wrap(`${component.verb}: ${description}`, WIDTH, ''), '');
  if (positionals.length) lines.push('positional arguments:', ...positionals.flatMap(entry), '');
  lines.push('options:', ...options.flatMap(entry));
  return lines.join('\n') + '\n';
}
