/** Previous/next paging with "21–40 of 230". */

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
  return (
    <nav class="pager" aria-label={`${p.label} pages`}>
      <button
        type="button"
        disabled={p.offset === 0}
        onClick={() => p.onOffset(Math.max(0, p.offset - p.limit))}
      >
        Previous
      </button>
      <span aria-live="polite">
        {from}–{to} of {p.total}
      </span>
      <button type="button" disabled={to >= p.total} onClick={() => p.onOffset(p.offset + p.limit)}>
        Next
      </button>
    </nav>
  );
}
