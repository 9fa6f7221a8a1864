/**
 * The demand cap on the overview (docs/control.md, "Demand cap"): this month's peak and what it costs so far,
 * the target and why, and the running window. Hidden on a site without a demand cap.
 */
import { useEffect } from 'preact/hooks';
import { fmtKw, fmtNum, fmtTime } from './format.ts';
import { intlLocale, msg } from './i18n.ts';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';

/** GET /api/v1/demand (src/api/routes/demand.ts). */
export type DemandView =
  | { readonly enabled: false; readonly detail: string }
  | {
      readonly enabled: true;
      readonly measuredBy: 'grid meter' | 'estimate';
      readonly windowMinutes: number;
      readonly windowEnd: string;
      readonly windowAverageKw: number;
      readonly targetKw: number;
      readonly targetReason: 'pinned' | 'period peak' | 'floor' | 'cars need';
      readonly pin: { readonly targetKw: number; readonly by: string; readonly at: string } | null;
      readonly capKw: number | null;
      readonly period: string;
      readonly periodPeakKw: number;
      readonly periodPeakAt: string | null;
      readonly estimatedDemandCharge: number;
      readonly currency: string | null;
    };

/** The window moves every few seconds; the panel follows every 10 s. */
const DEMAND_REFRESH_MS = 10_000;

function reasonText(d: Extract<DemandView, { enabled: true }>): string {
  const t = msg();
  if (d.targetReason === 'pinned') return d.pin ? t.pinnedBy(d.pin.by) : t.pinnedInSiteFile;
  if (d.targetReason === 'period peak') return t.reasonPeriodPeak;
  if (d.targetReason === 'floor') return t.reasonFloor;
  return t.reasonCarsNeed;
}

export function DemandPanel() {
  const { site } = useSite();
  const demand = useFetch<DemandView>('/demand');
  useEffect(() => {
    const t = setInterval(demand.reload, DEMAND_REFRESH_MS);
    return () => clearInterval(t);
  }, [demand.reload]);
  const d = demand.data;
  if (!d?.enabled) return null;
  const t = msg();
  const money = d.currency
    ? new Intl.NumberFormat(intlLocale(), { style: 'currency', currency: d.currency }).format(
        d.estimatedDemandCharge,
      )
    : fmtNum(d.estimatedDemandCharge, 2);
  return (
    <div class="demand" data-testid="demand-panel">
      <h3>{t.demandTitle(fmtNum(d.windowMinutes))}</h3>
      <dl class="demand-facts">
        <dt>{t.demandPeak(d.period)}</dt>
        <dd data-testid="demand-peak">
          {fmtKw(d.periodPeakKw)}
          {d.periodPeakAt ? t.demandPeakAt(fmtTime(d.periodPeakAt, site.timeZone)) : ''}
          {t.demandSoFar(money)}
        </dd>
        <dt>{t.demandTarget}</dt>
        <dd data-testid="demand-target">
          {fmtKw(d.targetKw)} ({reasonText(d)})
        </dd>
        <dt>{t.demandWindow}</dt>
        <dd data-testid="demand-window">
          {t.demandWindowText(
            fmtKw(d.windowAverageKw),
            d.measuredBy === 'grid meter' ? t.measuredGridMeter : t.measuredEstimate,
            fmtKw(d.capKw),
            fmtTime(d.windowEnd, site.timeZone),
          )}
        </dd>
      </dl>
    </div>
  );
}
