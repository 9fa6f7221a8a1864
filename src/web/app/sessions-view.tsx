/** Sessions history: filters, paging and a CSV export of the same filter. */
import { useState } from 'preact/hooks';
import { query } from './api.ts';
import type { Paged, SessionRow } from './api-types.ts';
import { fmtDuration, fmtKwh, fmtTime } from './format.ts';
import { Pager } from './pager.tsx';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';

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
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Session filters">
        <label>
          From
          <input type="date" value={f.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="date" value={f.to} onChange={set('to')} />
        </label>
        <label>
          Station
          <select value={f.stationId} onChange={set('stationId')}>
            <option value="">all</option>
            {site.stations.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Port
          <select value={f.portId} onChange={set('portId')}>
            <option value="">all</option>
            {ports.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Id tag
          <input value={f.idTag} onInput={set('idTag')} />
        </label>
        <label>
          Status
          <select value={f.active} onChange={set('active')}>
            <option value="">all</option>
            <option value="true">active</option>
            <option value="false">finished</option>
          </select>
        </label>
        <button type="button" onClick={() => (setF(EMPTY), setOffset(0))}>
          Clear filters
        </button>
        <a class="button" href={`/api/v1/sessions.csv${query(filterQuery)}`} download="sessions.csv">
          Export CSV
        </a>
      </form>
      {page.error ? (
        <p class="error" role="alert">
          {page.error}
        </p>
      ) : null}
      <div class="table-wrap">
        <table data-testid="sessions-table">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Stopped</th>
              <th scope="col">Port</th>
              <th scope="col">Id tag</th>
              <th scope="col" class="num">
                Energy
              </th>
              <th scope="col" class="num">
                Duration
              </th>
              <th scope="col">Stop reason</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.items ?? []).map((s) => (
              <tr key={s.id}>
                <td>{fmtTime(s.startedAt, site.timeZone)}</td>
                <td>{s.stoppedAt ? fmtTime(s.stoppedAt, site.timeZone) : <strong>active</strong>}</td>
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
      {page.data ? (
        <Pager offset={offset} limit={PAGE} total={page.data.total} onOffset={setOffset} label="Sessions" />
      ) : null}
    </section>
  );
}
