/** The dashboard's message catalogues: French has every English key, none extra, and no empty text. */
import { describe, expect, it } from 'vitest';
import { pickLang } from './app/i18n.ts';
import { catalogues } from './app/messages.ts';

describe('message catalogues', () => {
  it('have the same keys in English and French', () => {
    expect(Object.keys(catalogues.fr).sort()).toEqual(Object.keys(catalogues.en).sort());
  });

  it('have no empty message and the same kind (text or function) per key', () => {
    for (const [lang, cat] of Object.entries(catalogues)) {
      for (const [key, value] of Object.entries(cat)) {
        const en = (catalogues.en as Record<string, unknown>)[key];
        expect(typeof value, `${lang}.${key}`).toBe(typeof en);
        const text =
          typeof value === 'function' ? String((value as (...a: unknown[]) => string)('x', 1, 2)) : value;
        expect(String(text).trim(), `${lang}.${key} is empty`).not.toBe('');
      }
    }
  });
});

describe('pickLang', () => {
  it('takes the stored choice, else the first browser language we have, else English', () => {
    expect(pickLang('en', ['fr-FR'])).toBe('en');
    expect(pickLang(null, ['fr-FR', 'en-US'])).toBe('fr');
    expect(pickLang(null, ['de-DE', 'fr-CA'])).toBe('fr');
    expect(pickLang('xx', ['de-DE'])).toBe('en');
    expect(pickLang(undefined, [])).toBe('en');
  });
});
