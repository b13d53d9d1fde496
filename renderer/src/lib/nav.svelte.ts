/**
 * Which view is shown, kept in the URL hash: each view change is a history entry (Back and
 * Forward move between views, never out of the app), and an address typed or pasted is followed
 * (hashchange), so what the page shows, and acts on, is always what the address names.
 */
import { HOME, parseRoute, routeHash, type View } from './route.js';

export { HOME, parseRoute, routeHash, type Route, type View } from './route.js';

export class Nav {
  view = $state<View>(HOME);
  /** The run the Run view shows (kept when another view is shown, for the Run tab). */
  runId = $state<string | null>(null);
  libraryOpen = $state(false);
  /** The Library item "Schedule…" was asked on (the Schedules page's form starts with it). */
  scheduleFor = $state<string | null>(null);

  constructor() {
    if (typeof window === 'undefined') return;
    this.#read();
    window.addEventListener('hashchange', () => this.#read());
  }

  #read(): void {
    const route = parseRoute(window.location.hash);
    this.view = route.view;
    if (route.runId) this.runId = route.runId;
  }

  /** Shows `view` (and `runId`): a new history entry unless the address already says so. */
  go(view: View, runId?: string): void {
    this.view = view;
    if (runId !== undefined) this.runId = runId;
    const hash = routeHash(view, this.runId);
    if (window.location.hash !== hash) window.location.hash = hash;
  }
}

export const nav = new Nav();
