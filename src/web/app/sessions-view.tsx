/** Sessions history: filters, paging and a CSV export of the same filter. */
import { useState } from 'preact/hooks';
import { query } from './api.ts';
import type { Paged, SessionRow } from './api-types.ts';
import { fmtDuration, fmtKwh, fmtTime } from './format.ts';
import { msg } from './i18n.ts';
import { Pager } from './pager.tsx';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';
import { ErrorLine } from './error-line.tsx';
import { HeadRow, num } from './head-row.tsx';

const PAGE = 25;

interface Filters {
  from: string;
  to: string;
  stationId: string;
  portId: string;
  idTag: string;
  active: string;
}

const EMPTY: Filters = { from: '', to: '', stationId: '', portId: '', idTag: '', active: '' };

/** Dates from `<input type="date">` as the start of that day (from) or of the next day (to), in UTC ISO. */
function dayBound(date: string, next: boolean): string | undefined {
  if (!date) return undefined;
  const d = new Date(`${date}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

/** The sessions page. */
export function SessionsView() {
  const { site } = useSite();
  const [f, setF] = useState<Filters>(EMPTY);
  const [offset, setOffset] = useState(0);
  const filterQuery = {
    from: dayBound(f.from, false),
    to: dayBound(f.to, true),
    stationId: f.stationId,
    portId: f.portId,
    idTag: f.idTag.trim(),
    active: f.active,
  };
  const page = useFetch<Paged<SessionRow>>(`/sessions${query({ ...filterQuery, limit: PAGE, offset })}`);
  const set = (k: keyof Filters) => (e: Event) => {
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
    setOffset(0);
  };
  const ports = site.ports.filter((p) => !f.stationId || p.stationId === f.stationId);
  const t = msg();
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t.navSessions}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label={t.sessionFilters}>
        <label>
          {t.from}
          <input type="date" value={f.from} onChange={set('from')} />
        </label>
        <label>
          {t.to}
          <input type="date" value={f.to} onChange={set('to')} />
        </label>
        <label>
          {t.station}
          <select value={f.stationId} onChange={set('stationId')}>
            <option value="">{t.all}</option>
            {site.stations.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.port}
          <select value={f.portId} onChange={set('portId')}>
            <option value="">{t.all}</option>
            {ports.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.idTag}
          <input value={f.idTag} onInput={set('idTag')} />
        </label>
        <label>
          {t.status}
          <select value={f.active} onChange={set('active')}>
            <option value="">{t.all}</option>
            <option value="true">{t.active}</option>
            <option value="false">{t.finished}</option>
          </select>
        </label>
        <button type="button" onClick={() => (setF(EMPTY), setOffset(0))}>
          {t.clearFilters}
        </button>
        <a class="button" href={`/api/v1/sessions.csv${query(filterQuery)}`} download="sessions.csv">
          {t.exportCsv}
        </a>
      </form>
      <ErrorLine error={page.error} />
      <SessionsTable items={page.data?.items ?? []} timeZone={site.timeZone} />
      {page.data ? (
        <Pager
          offset={offset}
          limit={PAGE}
          total={page.data.total}
          onOffset={setOffset}
          label={t.navSessions}
        />
      ) : null}
    </section>
  );
}

/** One page of sessions: start, stop (or in progress), port, id tag, energy, duration and why it stopped. */
function SessionsTable({ items, timeZone }: { items: readonly SessionRow[]; timeZone: string }) {
  const t = msg();
  return (
    <div class="table-wrap">
      <table data-testid="sessions-table">
        <HeadRow
          cols={[t.started, t.stopped, t.port, t.idTag, num(t.energy), num(t.duration), t.stopReason]}
        />
        <tbody>
          {items.map((s) => (
            <tr key={s.id}>
              <td>{fmtTime(s.startedAt, timeZone)}</td>
              <td>{s.stoppedAt ? fmtTime(s.stoppedAt, timeZone) : <strong>{t.active}</strong>}</td>
              <td>{s.portId}</td>
              <td>{s.idTag ?? '–'}</td>
              <td class="num">{fmtKwh(s.energyKwh)}</td>
              <td class="num">{fmtDuration(s.durationS)}</td>
              <td>{s.stopReason ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
