/** The console's addresses (pure, tested): `#/<view>` and `#/run/<id>`. */
export type View = 'command' | 'builder' | 'hosts' | 'history' | 'run' | 'schedules' | 'audit' | 'secrets';
const VIEWS: readonly View[] = ['command', 'builder', 'hosts', 'history', 'run', 'schedules', 'audit', 'secrets'];
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
