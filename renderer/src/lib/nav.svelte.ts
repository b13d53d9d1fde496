/** Which view is shown; mirrored in the URL hash so a reload comes back to the same place. */
export type View = 'builder' | 'hosts' | 'history' | 'run' | 'audit' | 'secrets';
const VIEWS: readonly View[] = ['builder', 'hosts', 'history', 'run', 'audit', 'secrets'];

export class Nav {
  view = $state<View>('builder');
  runId = $state<string | null>(null);
  libraryOpen = $state(false);

  constructor() {
    if (typeof window === 'undefined') return;
    this.#read();
    window.addEventListener('hashchange', () => this.#read());
  }

  #read(): void {
    const [view, id] = window.location.hash.replace(/^#\/?/, '').split('/');
    if (view && (VIEWS as readonly string[]).includes(view)) this.view = view as View;
    this.runId = view === 'run' && id ? decodeURIComponent(id) : this.runId;
  }

  go(view: View, runId?: string): void {
    this.view = view;
    if (runId !== undefined) this.runId = runId;
    const hash = view === 'run' && this.runId ? `#/run/${encodeURIComponent(this.runId)}` : `#/${view}`;
    if (window.location.hash !== hash) window.history.replaceState(window.history.state, '', hash);
  }
}

export const nav = new Nav();
