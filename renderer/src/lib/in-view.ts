/**
 * `{@attach inView((v) => …)}`: reports whether an element is on screen (one shared
 * IntersectionObserver), so panes off screen can skip redrawing while output streams in.
 */
type Callback = (visible: boolean) => void;

let observer: IntersectionObserver | null = null;
const callbacks = new WeakMap<Element, Callback>();

function shared(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) callbacks.get(entry.target)?.(entry.isIntersecting);
    },
    { rootMargin: '200px 0px' },
  );
  return observer;
}

export function inView(callback: Callback): (element: Element) => () => void {
  return (element) => {
    if (typeof IntersectionObserver === 'undefined') {
      callback(true);
      return () => undefined;
    }
    callbacks.set(element, callback);
    shared().observe(element);
    return () => {
      callbacks.delete(element);
      shared().unobserve(element);
    };
  };
}
