/**
 * The demand cap on the overview (docs/control.md, "Demand cap"): this month's peak and what it costs so far,
 * the target and why, and the running window. Hidden on a site without a demand cap.
 */
import { useEffect } from 'preact/hooks';
import { fmtKw, fmtTime } from './format.ts';
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
  if (d.targetReason === 'pinned') return d.pin ? `pinned by ${d.pin.by}` : 'pinned in the site file';
  if (d.targetReason === 'period peak') return "the month's peak (already paid for)";
  if (d.targetReason === 'floor') return 'floor';
  return 'raised: cars need it by their departure';
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
  const money = `${d.estimatedDemandCharge.toFixed(2)}${d.currency ? ` ${d.currency}` : ''}`;
  return (
    <div class="demand" data-testid="demand-panel">
      <h3>Demand ({d.windowMinutes}-min windows)</h3>
      <dl class="demand-facts">
        <dt>Peak {d.period}</dt>
        <dd data-testid="demand-peak">
          {fmtKw(d.periodPeakKw)}
          {d.periodPeakAt ? ` at ${fmtTime(d.periodPeakAt, site.timeZone)}` : ''}, {money} so far
        </dd>
        <dt>Target</dt>
        <dd data-testid="demand-target">
          {fmtKw(d.targetKw)} ({reasonText(d)})
        </dd>
        <dt>This window</dt>
        <dd data-testid="demand-window">
          {fmtKw(d.windowAverageKw)} so far ({d.measuredBy}), EVs limited to {fmtKw(d.capKw)} at the grid
          until {fmtTime(d.windowEnd, site.timeZone)}
        </dd>
      </dl>
    </div>
  );
}
