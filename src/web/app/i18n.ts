/**
 * The dashboard's language (docs/dashboard.md, "Language"): English or French, from the user's choice
 * (remembered in localStorage) or else the browser's languages; the texts are in messages.ts.
 */
import type { Catalogue, Lang } from './messages.ts';
import { catalogues } from './messages.ts';

export type { Lang } from './messages.ts';

export const LANGS: readonly Lang[] = ['en', 'fr'];
/** localStorage key of the user's choice. */
export const LANG_STORAGE_KEY = 'fusebox.lang';

/** BCP 47 locale for numbers and dates per language (en-GB: 24-hour clock, "5 Dec", as before). */
const INTL_LOCALE: Record<Lang, string> = { en: 'en-GB', fr: 'fr-FR' };

const isLang = (x: unknown): x is Lang => typeof x === 'string' && (LANGS as readonly string[]).includes(x);

/** The stored choice if valid, else the first browser language we have, else English. */
export function pickLang(stored: string | null | undefined, browserLanguages: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

function storedChoice(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null; // storage disabled: the browser's language alone
  }
}

let current: Lang =
  typeof navigator === 'undefined'
    ? 'en'
    : pickLang(storedChoice(), navigator.languages?.length ? navigator.languages : [navigator.language]);
const listeners = new Set<() => void>();

/** The current language. */
export function lang(): Lang {
  return current;
}

/** The current language's texts. */
export function msg(): Catalogue {
  return catalogues[current];
}

/** The locale for Intl formatting in the current language. */
export function intlLocale(): string {
  return INTL_LOCALE[current];
}

/** Sets <html lang> to the current language. (No DOM types here: Node type-checks this file too.) */
export function applyDocumentLang(): void {
  const doc = (globalThis as { document?: { documentElement: { lang: string } } }).document;
  if (doc) doc.documentElement.lang = current;
}

/** The user's choice: remembered, applied to the page, and every `useLang` re-renders. */
export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(LANG_STORAGE_KEY, l);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
  applyDocumentLang();
  for (const fn of listeners) fn();
}

/** Calls `fn` after each language change; returns the unsubscribe function. */
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => void listeners.delete(fn);
}
