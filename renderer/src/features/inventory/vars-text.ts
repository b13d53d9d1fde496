/**
 * The vars editor's text: vars as YAML to edit, and the edited text checked before it is sent
 * (a mapping of names to values), with the yaml library's line and column on a parse error. The
 * server parses the same text again (server/inventory/edit.ts), so what is saved is what was checked.
 */
import { parse, stringify, YAMLParseError } from 'yaml';

export const varsToYaml = (vars: Readonly<Record<string, unknown>>): string =>
  Object.keys(vars).length ? stringify(vars, { lineWidth: 0 }) : '';

export type VarsCheck = { ok: true; vars: Record<string, unknown> } | { ok: false; message: string; line?: number; col?: number };

export function checkVarsYaml(text: string): VarsCheck {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100, uniqueKeys: true }) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const what = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'not valid YAML';
      return at
        ? { ok: false, message: `line ${at.line}, column ${at.col}: ${what}`, line: at.line, col: at.col }
        : { ok: false, message: what };
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, message: 'expected a mapping of var names to values (name: value, one a line)' };
  return { ok: true, vars: value as Record<string, unknown> };
}

/** `key=value` as typed in the label box; the key as the server accepts it (LabelKeySchema). */
export function parseLabel(text: string): { ok: true; key: string; value: string } | { ok: false; message: string } {
  const at = text.indexOf('=');
  const key = (at < 0 ? text : text.slice(0, at)).trim();
  if (at < 0 || !key) return { ok: false, message: `"${text}": expected key=value, like env=prod` };
  if (!/^[A-Za-z0-9_./-]{1,128}$/.test(key)) return { ok: false, message: `label key "${key}": letters, digits and _ . / - only` };
  return { ok: true, key, value: text.slice(at + 1).trim() };
}
