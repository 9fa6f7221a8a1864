/** The static site description and the logged-in user, shared by every view. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, Site } from './api-types.ts';

export interface SiteContextValue {
  readonly site: Site;
  readonly me: Me;
}

export const SiteContext = createContext<SiteContextValue | null>(null);

/** The site and user; only used below the shell, which provides them. */
export function useSite(): SiteContextValue {
  const v = useContext(SiteContext);
  if (!v) throw new Error('useSite outside the dashboard shell');
  return v;
}

/** True when the user may change limits and send commands. */
export function useCanWrite(): boolean {
  return useSite().me.role === 'operator';
}
