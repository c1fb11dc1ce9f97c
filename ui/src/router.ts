// A small history router for /ui/*: real links (open in a new tab still works), pushState for in-page moves.
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/ui';
const CHANGED = 'gateway:navigated';

export interface Place {
  /** The path under /ui, always starting with '/'. */
  path: string;
  query: URLSearchParams;
}

function current(): Place {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(location.search) };
}

export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGED));
}

export function usePlace(): Place {
  const [place, setPlace] = useState(current);
  useEffect(() => {
    const update = () => setPlace(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return place;
}

/** For an <a href>: a plain click moves in the page; modified clicks (new tab, …) keep the browser's behaviour. */
export function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (!anchor.pathname.startsWith(BASE)) return;
  event.preventDefault();
  navigate(`${anchor.pathname.slice(BASE.length) || '/'}${anchor.search}`);
}
