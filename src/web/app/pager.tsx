/** Previous/next paging with "21–40 of 230". */

import { fmtNum } from './format.ts';
import { msg } from './i18n.ts';

/** The pager under a paged table. */
export function Pager(p: {
  offset: number;
  limit: number;
  total: number;
  onOffset: (o: number) => void;
  label: string;
}) {
  const from = p.total === 0 ? 0 : p.offset + 1;
  const to = Math.min(p.total, p.offset + p.limit);
  const t = msg();
  return (
    <nav class="pager" aria-label={t.pagerLabel(p.label)}>
      <button
        type="button"
        disabled={p.offset === 0}
        onClick={() => p.onOffset(Math.max(0, p.offset - p.limit))}
      >
        {t.previous}
      </button>
      <span aria-live="polite">{t.pagerRange(fmtNum(from), fmtNum(to), fmtNum(p.total))}</span>
      <button type="button" disabled={to >= p.total} onClick={() => p.onOffset(p.offset + p.limit)}>
        {t.next}
      </button>
    </nav>
  );
}
