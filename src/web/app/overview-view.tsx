/** Overview: the site's power flows now and over 24 h, and the circuit tree with live per-phase load. */
import { useEffect, useMemo } from 'preact/hooks';
import type { History } from './api-types.ts';
import { CircuitTree } from './circuit-tree.tsx';
import { DemandPanel } from './demand-panel.tsx';
import { BatteryPanel } from './battery-panel.tsx';
import { fmtTime } from './format.ts';
import { HistoryChart } from './history-chart.tsx';
import { msg } from './i18n.ts';
import { useLive } from './live.ts';
import { PowerFlows, flowsFromHistory } from './power-flows.tsx';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';

/** History is reloaded once a minute (its resolution), never per second. */
const HISTORY_REFRESH_MS = 60_000;

/** The overview page. */
export function OverviewView() {
  const { site } = useSite();
  const snap = useLive();
  const history = useFetch<History>('/history');
  useEffect(() => {
    const t = setInterval(history.reload, HISTORY_REFRESH_MS);
    return () => clearInterval(t);
  }, [history.reload]);
  const liveCircuits = useMemo(
    () => new Map((snap.circuits?.circuits ?? []).map((c) => [c.id, c])),
    [snap.circuits],
  );
  const livePorts = useMemo(() => new Map((snap.ports?.ports ?? []).map((p) => [p.id, p])), [snap.ports]);
  const flows = snap.circuits?.flows ?? (history.data ? flowsFromHistory(history.data) : null);
  const t = msg();
  return (
    <div class="overview">
      <section aria-labelledby="flows-title" class="area-flows">
        <h2 id="flows-title">{t.powerNow}</h2>
        <PowerFlows flows={flows} />
        <DemandPanel />
        <BatteryPanel />
      </section>
      <section aria-labelledby="tree-title" class="area-tree">
        <h2 id="tree-title">
          {t.circuits}{' '}
          <span class="muted small" data-testid="updated-at">
            {snap.circuits ? t.updatedAt(fmtTime(snap.circuits.atMs, site.timeZone)) : ''}
          </span>
        </h2>
        <p class="legend">
          <span class="key key-other" aria-hidden="true" /> {t.legendBuilding}{' '}
          <span class="key key-ev" aria-hidden="true" /> {t.legendEvs}{' '}
          <span class="key key-high" aria-hidden="true" /> {t.legendHigh}{' '}
          <span class="key key-full" aria-hidden="true" /> {t.legendFull}{' '}
          <span class="key key-reduced" aria-hidden="true" /> {t.legendReduced}
        </p>
        {snap.circuits ? (
          <CircuitTree
            circuits={site.circuits}
            ports={site.ports}
            live={liveCircuits}
            livePorts={livePorts}
          />
        ) : (
          <p class="loading">{t.waitingFirstLive}</p>
        )}
      </section>
      <section aria-labelledby="history-title" class="area-history">
        <h2 id="history-title">{t.last24h}</h2>
        {history.error ? <p class="error">{t.historyError(history.error)}</p> : null}
        {history.data ? <HistoryChart history={history.data} timeZone={site.timeZone} /> : null}
      </section>
    </div>
  );
}
