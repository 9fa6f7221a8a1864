/** Hash routes (`#/ports/van-1`): deep links work with any static server and need no server fallback. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** First path segment: '' (overview), 'ports', 'sessions', 'events', 'limits', 'stations', 'id-tags'. */
  readonly view: string;
  /** Second segment, decoded (a port or circuit id), if any. */
  readonly id: string | null;
}

/** Parses `#/view/id`. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return { view: parts[0] ?? '', id: parts[1] !== undefined ? decodeURIComponent(parts[1]) : null };
}

/** The href of a route. */
export function href(view: string, id?: string | null): string {
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}`;
}

/** The current route; re-renders on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
