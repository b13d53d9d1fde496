/**
 * A Library item's export file: the orchestration's YAML as it is, then (when the item has any)
 * its schedules, notifications, triggers and non-default settings (`allowSimultaneous`) as one trailing comment line, so the file stays a
 * plain orchestration for Directord and a restored console gets them back (secrets never in it).
 */
import type { LibraryAutomation } from '#protocol/automation.js';

const MARK = '# directord-automation: ';

export function isEmptyAutomation(a: LibraryAutomation): boolean {
  return a.schedules.length === 0 && a.notifications.length === 0 && a.triggers.length === 0 && a.settings?.allowSimultaneous === undefined;
}

export function withAutomation(yaml: string, automation: LibraryAutomation | null): string {
  if (!automation || isEmptyAutomation(automation)) return yaml;
  return `${yaml.replace(/\n*$/, '\n')}${MARK}${JSON.stringify(automation)}\n`;
}

/** The orchestration without the automation line, and the automation when the line is there and well-formed. */
export function splitAutomation(text: string): { yaml: string; automation: LibraryAutomation | null } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(MARK));
  if (at < 0) return { yaml: text, automation: null };
  let automation: LibraryAutomation | null = null;
  try {
    const value = JSON.parse(lines[at]!.slice(MARK.length)) as Partial<LibraryAutomation>;
    const allow = value.settings?.allowSimultaneous;
    automation = {
      schedules: Array.isArray(value.schedules) ? value.schedules : [],
      notifications: Array.isArray(value.notifications) ? value.notifications : [],
      triggers: Array.isArray(value.triggers) ? value.triggers : [],
      ...(typeof allow === 'boolean' ? { settings: { allowSimultaneous: allow } } : {}),
    };
  } catch {
    automation = null;
  }
  lines.splice(at, 1);
  return { yaml: lines.join('\n'), automation };
}
