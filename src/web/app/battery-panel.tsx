/**
 * Batteries and the grid state on the overview (docs/control.md, "Batteries" and "Islanded operation"): per
 * battery its state of charge, power, command and why; a line when the site runs islanded. Hidden on a site
 * without batteries that is on the grid.
 */
import { useEffect } from 'preact/hooks';
import { fmtKw, fmtNum } from './format.ts';
import { msg } from './i18n.ts';
import { useFetch } from './use-fetch.ts';

/** GET /api/v1/batteries (src/api/routes/grid-battery.ts). */
interface BatteryView {
  readonly batteryId: string;
  readonly socPct: number | null;
  readonly measuredKw: number | null;
  readonly commandKw: number | null;
  readonly reason: string;
}

/** GET /api/v1/grid-state. */
interface GridStateView {
  readonly state: 'grid' | 'islanded' | 'unknown';
}

const REFRESH_MS = 10_000;

export function BatteryPanel() {
  const batteries = useFetch<BatteryView[]>('/batteries');
  const grid = useFetch<GridStateView>('/grid-state');
  useEffect(() => {
    const t = setInterval(() => {
      batteries.reload();
      grid.reload();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [batteries.reload, grid.reload]);
  const t = msg();
  const list = batteries.data ?? [];
  const state = grid.data?.state ?? 'grid';
  if (list.length === 0 && state === 'grid') return null;
  return (
    <div class="batteries" data-testid="battery-panel">
      {state !== 'grid' ? (
        <p class="warn" data-testid="grid-state">
          {state === 'islanded' ? t.gridIslanded : t.gridUnknown}
        </p>
      ) : null}
      {list.map((b) => (
        <p key={b.batteryId} data-testid="battery-line">
          {t.batteryLine(
            b.batteryId,
            b.socPct === null ? '–' : `${fmtNum(b.socPct, 0)} %`,
            b.measuredKw === null
              ? t.batteryUnknown
              : b.measuredKw > 0
                ? `${t.batteryCharging} ${fmtKw(b.measuredKw)}`
                : b.measuredKw < 0
                  ? `${t.batteryDischarging} ${fmtKw(-b.measuredKw)}`
                  : t.batteryIdle,
            b.commandKw === null ? t.batteryReadOnly : fmtKw(b.commandKw),
          )}{' '}
          <span class="muted small">{b.reason}</span>
        </p>
      ))}
    </div>
  );
}
