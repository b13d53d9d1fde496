/**
 * Light or dark (issue #13 item 13). `system` follows prefers-color-scheme (the stylesheet's
 * light-dark() colours do that by themselves); `light` and `dark` pin one by setting
 * `data-theme` on <html>, which sets color-scheme. The choice is kept in localStorage.
 */
export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEMES)[number];

const KEY = 'directord.theme';

export function parseTheme(value: string | null | undefined): ThemeChoice {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The choice after `current` when the toggle is pressed: system → light → dark → system. */
export function nextTheme(current: ThemeChoice): ThemeChoice {
  return THEMES[(THEMES.indexOf(current) + 1) % THEMES.length] as ThemeChoice;
}

export function storedTheme(): ThemeChoice {
  try {
    return parseTheme(localStorage.getItem(KEY));
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}
