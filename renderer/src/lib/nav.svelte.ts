/**
 * Which view is shown, kept in the URL hash: each view change is a history entry (Back and
 * Forward move between views, never out of the app), and an address typed or pasted is followed
 * (hashchange), so what the page shows, and acts on, is always what the address names.
 */
export type View = 'command' | 'builder' | 'hosts' | 'history' | 'run';
const VIEWS: readonly View[] = ['command', 'builder', 'hosts', 'history', 'run'];
/** The view of an address without a (known) view: the first screen. */
export const HOME: View = 'command';

export type Route = Readonly<{ view: View; runId: string | null }>;

/** `#/run/<id>` → run view of that id; `#/hosts` → hosts; anything else → the first screen. */
export function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/');
  if (!view || !(VIEWS as readonly string[]).includes(view)) return { view: HOME, runId: null };
  let runId: string | null = null;
  if (view === 'run' && id) {
    try {
      runId = decodeURIComponent(id);
    } catch {
      runId = null;
    }
  }
  return { view: view as View, runId };
}

export function routeHash(view: View, runId: string | null): string {
  return view === 'run' && runId ? `#/run/${encodeURIComponent(runId)}` : `#/${view}`;
}

export class Nav {
  view = $state<View>(HOME);
  /** The run the Run view shows (kept when another view is shown, for the Run tab). */
  runId = $state<string | null>(null);
  libraryOpen = $state(false);

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
