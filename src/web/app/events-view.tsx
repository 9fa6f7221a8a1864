/** Events log: newest first, filter by level and kind, new events arrive live on the first page. */
import { useCallback, useState } from 'preact/hooks';
import { query } from './api.ts';
import type { EventRow, Paged } from './api-types.ts';
import { fmtTime } from './format.ts';
import { msg } from './i18n.ts';
import { useLiveTopic } from './live.ts';
import { Pager } from './pager.tsx';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';
import { ErrorLine } from './error-line.tsx';

const PAGE = 50;

/** An event's level in words; an unknown level as it came. */
function levelLabel(level: string): string {
  const t = msg();
  return level === 'info'
    ? t.levelInfo
    : level === 'warn'
      ? t.levelWarn
      : level === 'error'
        ? t.levelError
        : level;
}

/** The events page. */
export function EventsView() {
  const { site } = useSite();
  const [level, setLevel] = useState('');
  const [kind, setKind] = useState('');
  const [offset, setOffset] = useState(0);
  const [fresh, setFresh] = useState<EventRow[]>([]);
  const page = useFetch<Paged<EventRow>>(
    `/events${query({ level, kind: kind.trim(), limit: PAGE, offset })}`,
  );
  const onEvent = useCallback(
    (data: unknown) => {
      const e = data as EventRow;
      if (offset !== 0 || (level && e.level !== level) || (kind && e.kind !== kind.trim())) return;
      setFresh((f) => [e, ...f].slice(0, PAGE));
    },
    [offset, level, kind],
  );
  useLiveTopic('event', onEvent);
  const seen = new Set((page.data?.items ?? []).map((e) => e.id));
  const rows = [...fresh.filter((e) => !seen.has(e.id)), ...(page.data?.items ?? [])].slice(0, PAGE);
  const reset = () => {
    setOffset(0);
    setFresh([]);
  };
  const t = msg();
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">{t.navEvents}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label={t.eventFilters}>
        <label>
          {t.level}
          <select value={level} onChange={(e) => (setLevel(e.currentTarget.value), reset())}>
            <option value="">{t.all}</option>
            <option value="info">{t.levelInfo}</option>
            <option value="warn">{t.levelWarn}</option>
            <option value="error">{t.levelError}</option>
          </select>
        </label>
        <label>
          {t.kindLabel}
          <input
            value={kind}
            placeholder={t.kindPlaceholder}
            onInput={(e) => (setKind(e.currentTarget.value), reset())}
          />
        </label>
      </form>
      <ErrorLine error={page.error} />
      <ol class="events" data-testid="events">
        {rows.map((e) => (
          <li key={e.id} class={`event level-${e.level}`}>
            <time dateTime={e.at}>{fmtTime(e.at, site.timeZone)}</time>
            <span class="level">{levelLabel(e.level)}</span>
            <span class="kind">{e.kind}</span>
            <span class="where">{e.portId ?? e.stationId ?? ''}</span>
            <span class="message">{e.message}</span>
          </li>
        ))}
      </ol>
      {page.data ? (
        <Pager
          offset={offset}
          limit={PAGE}
          total={page.data.total + fresh.filter((e) => !seen.has(e.id)).length}
          onOffset={(o) => (setOffset(o), setFresh([]))}
          label={t.navEvents}
        />
      ) : null}
    </section>
  );
}
