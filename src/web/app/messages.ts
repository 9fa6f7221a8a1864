/**
 * Every user-visible text of the dashboard, one catalogue per language (docs/dashboard.md, "Language"):
 * `messages-en.ts` and `messages-fr.ts`. The French one is typed by the English keys: a missing or extra key,
 * or a function with other parameters, is a type error. Messages with values are functions; the values come
 * already formatted for the language (src/web/app/format.ts).
 */
import { en } from './messages-en.ts';
import { fr } from './messages-fr.ts';

export { en } from './messages-en.ts';
export { fr } from './messages-fr.ts';

/** A catalogue: the same keys as English, texts or functions of the same parameters. */
export type Catalogue = {
  readonly [K in keyof typeof en]: (typeof en)[K] extends (...args: infer A) => string
    ? (...args: A) => string
    : string;
};

/** The catalogues by language code. */
export const catalogues = { en: en as Catalogue, fr } as const;

export type Lang = keyof typeof catalogues;
