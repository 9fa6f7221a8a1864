/** Ports: every port as a table row or a card (state, current per phase, limit, why, session), plus a detail panel. */
import { useMemo, useState } from 'preact/hooks';
import type { PortLive, PortSession, SitePort } from './api-types.ts';
import { PHASES, fmtA, fmtClock, fmtDuration, fmtKwh, stateLabel, uncontrolledLabel } from './format.ts';
import { msg } from './i18n.ts';
import { useLive } from './live.ts';
import { PortDetail } from './port-detail.tsx';
import { href } from './router.ts';
import { useSite } from './site-context.ts';
import { ErrorLine } from './error-line.tsx';
import { HeadRow, num } from './head-row.tsx';

type Layout = 'table' | 'cards';

/** The list; `selectedId` (from the route) opens the detail panel. */
export function PortsView({ selectedId }: { selectedId: string | null }) {
  const { site } = useSite();
  const snap = useLive();
  // Phones get cards by default: a ten-column table does not fit 390 px.
  const [layout, setLayout] = useState<Layout>(() =>
    matchMedia('(max-width: 700px)').matches ? 'cards' : 'table',
  );
  const [filter, setFilter] = useState('');
  const live = useMemo(() => new Map((snap.ports?.ports ?? []).map((p) => [p.id, p])), [snap.ports]);
  const rows = site.ports.filter(
    (p) => filter === '' || (live.get(p.id)?.state ?? 'offline') === filter || p.circuitId === filter,
  );
  const selected = selectedId ? site.ports.find((p) => p.id === selectedId) : undefined;
  const t = msg();
  return (
    <div class={`ports ${selected ? 'with-detail' : ''}`}>
      {selected ? <PortDetail key={selected.id} site={selected} port={live.get(selected.id)} /> : null}
      <ErrorLine error={selectedId && !selected ? t.noSuchPort(selectedId) : null} />
      <section aria-labelledby="ports-title" class="ports-list">
        <div class="toolbar">
          <h2 id="ports-title">{t.navPorts}</h2>
          <label>
            {t.show}
            <select value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
              <option value="">{t.allPorts}</option>
              {['charging', 'suspended', 'available', 'preparing', 'finishing', 'faulted', 'offline'].map(
                (s) => (
                  <option key={s} value={s}>
                    {stateLabel(s)}
                  </option>
                ),
              )}
              {site.circuits.map((c) => (
                <option key={c.id} value={c.id}>
                  {t.onCircuit(c.name)}
                </option>
              ))}
            </select>
          </label>
          <div class="segmented" role="group" aria-label={t.layout}>
            <button type="button" aria-pressed={layout === 'table'} onClick={() => setLayout('table')}>
              {t.table}
            </button>
            <button type="button" aria-pressed={layout === 'cards'} onClick={() => setLayout('cards')}>
              {t.cards}
            </button>
          </div>
        </div>
        {!snap.ports ? <p class="loading">{t.waitingLive}</p> : null}
        {layout === 'table' ? (
          <PortTable rows={rows} live={live} timeZone={site.timeZone} />
        ) : (
          <PortCards rows={rows} live={live} timeZone={site.timeZone} />
        )}
      </section>
    </div>
  );
}

interface ListProps {
  readonly rows: readonly SitePort[];
  readonly live: ReadonlyMap<string, PortLive>;
  readonly timeZone: string;
}

/** Who set the departure, in one short word for the list ("car", "site"). */
function sourceWord(source: string | null | undefined): string {
  const t = msg();
  const words: Record<string, string> = {
    driver: t.sourceDriver,
    car: t.sourceCar,
    port: t.sourcePort,
    station: t.sourceStation,
    site: t.sourceSite,
  };
  return words[source ?? ''] ?? '';
}

/** "10:30" and who said so, for the list; null without a departure. */
function leaves(s: PortSession | null | undefined, timeZone: string): { at: string; by: string } | null {
  if (!s?.departureAt) return null;
  return { at: fmtClock(s.departureAt, timeZone), by: sourceWord(s.departureSource) };
}

function PortTable({ rows, live, timeZone }: ListProps) {
  const t = msg();
  return (
    <div class="table-wrap">
      <table class="port-table" data-testid="port-table">
        <HeadRow
          cols={[
            t.port,
            t.state,
            ...PHASES.map(num),
            num(t.limit),
            t.why,
            t.leaves,
            num(t.energy),
            num(t.duration),
          ]}
        />
        <tbody>
          {rows.map((p) => {
            const l = live.get(p.id);
            const lv = leaves(l?.session, timeZone);
            return (
              <tr key={p.id} data-port={p.id}>
                <th scope="row">
                  <a href={href('ports', p.id)}>{p.name || p.id}</a>
                  <span class="muted small"> {p.stationId}</span>
                </th>
                <td>
                  <StateBadge port={l} />
                </td>
                {PHASES.map((ph, i) => (
                  <td key={ph} class="num">
                    {fmtA(l?.measuredA[i] ?? null)}
                  </td>
                ))}
                <td class="num strong">{l ? fmtA(l.limitA) : '–'}</td>
                <td class="why">{l?.reason ?? '–'}</td>
                <td class="leaves" data-testid="leaves">
                  {lv ? (
                    <>
                      {lv.at}
                      <span class="muted small"> {lv.by}</span>
                    </>
                  ) : (
                    '–'
                  )}
                </td>
                <td class="num">{fmtKwh(l?.session?.energyKwh)}</td>
                <td class="num">{fmtDuration(l?.session?.durationS)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PortCards({ rows, live, timeZone }: ListProps) {
  const t = msg();
  return (
    <ul class="cards" data-testid="port-cards">
      {rows.map((p) => {
        const l = live.get(p.id);
        const lv = leaves(l?.session, timeZone);
        const left = l?.session?.energyRemainingKwh;
        return (
          <li key={p.id} class="card" data-port={p.id}>
            <div class="card-head">
              <a href={href('ports', p.id)} class="card-title">
                {p.name || p.id}
              </a>
              <StateBadge port={l} />
            </div>
            <p class="card-limit">
              <span class="big">{l ? fmtA(l.limitA) : '–'}</span> {t.allocated}
            </p>
            <p class="why">{l?.reason ?? '–'}</p>
            <p class="small">{PHASES.map((ph, i) => `${ph} ${fmtA(l?.measuredA[i] ?? null)}`).join(' · ')}</p>
            {l?.session ? (
              <p class="small">{t.energyIn(fmtKwh(l.session.energyKwh), fmtDuration(l.session.durationS))}</p>
            ) : null}
            {lv ? (
              <p class="small" data-testid="leaves">
                {t.leavesCard(lv.at, lv.by)}
                {left !== null && left !== undefined && left >= 0.05 ? t.needsKwh(fmtKwh(left, 1)) : ''}
              </p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function StateBadge({ port }: { port: PortLive | undefined }) {
  const state = port?.state ?? 'offline';
  const u = port?.uncontrolled;
  const t = msg();
  return (
    <>
      <span class={`state state-${state}`}>{stateLabel(state)}</span>
      {u ? (
        <span
          class="state state-uncontrolled"
          data-testid="uncontrolled"
          title={t.uncontrolledTitle(uncontrolledLabel(u.reason, u.reasonText), u.detail, fmtA(u.countedA))}
        >
          {' '}
          {t.uncontrolled}
        </span>
      ) : null}
    </>
  );
}
