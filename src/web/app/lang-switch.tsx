/** The visible language switch: a select in the header and above the login form (docs/dashboard.md, "Language"). */
import { useEffect, useState } from 'preact/hooks';
import type { Lang } from './i18n.ts';
import { LANGS, lang, msg, onLangChange, setLang } from './i18n.ts';

/** The current language; re-renders the component when it changes (the root uses it, so all views follow). */
export function useLang(): Lang {
  const [l, setL] = useState(lang());
  useEffect(() => onLangChange(() => setL(lang())), []);
  return l;
}

/** Names of the languages in themselves, for the switch. */
export const LANG_NAMES: Record<Lang, string> = { en: 'English', fr: 'Français' };

/** The visible language switch (header and login page). */
export function LangSwitch() {
  const l = useLang();
  return (
    <label class="lang-switch">
      <select aria-label={msg().language} value={l} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        {LANGS.map((x) => (
          <option key={x} value={x} lang={x}>
            {LANG_NAMES[x]}
          </option>
        ))}
      </select>
    </label>
  );
}
