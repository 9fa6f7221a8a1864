/**
 * The live plan (docs/control.md, "The planner"; GET /api/v1/plan): expected grid import per slot against
 * the demand target, the price of each slot as a band, and per session whether its need will be met by its
 * departure; with a planned battery, its power per slot (charge up, discharge down) and state of charge.
 * Says why there is no plan when there is none.
 */
import { useEffect } from 'preact/hooks';
import type { PlanPayload } from './api-types.ts';
import { fmtKw, fmtKwh, fmtNum, fmtTime } from './format.ts';
import { msg } from './i18n.ts';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';

/** A new plan comes at least every slot; the view follows every 30 s. */
const PLAN_REFRESH_MS = 30_000;

/** The planned battery: its power per slot around a middle line, its state of charge in each slot's title. */
function BatteryPlan({ p, timeZone }: { p: PlanPayload; timeZone: string }) {
  const t = msg();
  const b = p.battery!;
  const top = Math.max(0.1, ...p.slots.map((s) => Math.abs(s.batteryKw ?? 0)));
  return (
    <div data-testid="plan-battery">
      <h3>{t.planBatteryTitle(b.batteryId)}</h3>
      <p data-testid="plan-battery-now">{t.planBatteryNow(fmtKw(b.targetKw))}</p>
      <div class="plan-battery-chart" role="img" aria-label={t.planBatteryChartLabel}>
        {p.slots.map((s) => {
          const kw = s.batteryKw ?? 0;
          const h = (50 * Math.abs(kw)) / top;
          return (
            <div
              key={s.start}
              class="plan-battery-slot"
              data-battery-kw={kw.toFixed(2)}
              title={t.planBatterySlot(
                fmtTime(s.start, timeZone),
                fmtKw(kw),
                fmtNum(s.batterySocPct ?? 0, 0),
              )}
            >
              <div
                class={kw >= 0 ? 'plan-battery-charge' : 'plan-battery-discharge'}
                style={kw >= 0 ? { bottom: '50%', height: `${h}%` } : { top: '50%', height: `${h}%` }}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function PlanView() {
  const { site } = useSite();
  const plan = useFetch<PlanPayload>('/plan');
  useEffect(() => {
    const t = setInterval(plan.reload, PLAN_REFRESH_MS);
    return () => clearInterval(t);
  }, [plan.reload]);
  const p = plan.data;
  const t = msg();
  if (!p) return <p class="loading">{plan.error ?? t.loadingSite}</p>;
  const top = Math.max(1, ...p.slots.map((s) => Math.max(s.importKw, s.demandTargetKw ?? 0)));
  const prices = p.slots.map((s) => s.pricePerKwh);
  const lo = Math.min(...prices);
  const hi = Math.max(...prices);
  const band = (price: number): string =>
    hi - lo < 1e-9
      ? 'mid'
      : price <= lo + (hi - lo) / 3
        ? 'low'
        : price >= hi - (hi - lo) / 3
          ? 'high'
          : 'mid';
  return (
    <section class="plan" data-testid="plan-view">
      <h2>{t.planTitle}</h2>
      <p data-testid="plan-status">
        {p.active
          ? t.planActive(fmtTime(p.solvedAt, site.timeZone), fmtNum(p.solveMs ?? 0))
          : t.planNone(p.reason ?? '')}
      </p>
      {p.demand ? (
        <p data-testid="plan-peak">
          {t.planPeak(fmtKw(p.demand.periodPeakKw), fmtNum(p.demand.estimatedDemandCharge, 2))}
        </p>
      ) : null}
      {p.slots.length > 0 ? (
        <div class="plan-chart" data-testid="plan-chart" role="img" aria-label={t.planChartLabel}>
          {p.slots.map((s) => (
            <div
              key={s.start}
              class={`plan-slot price-${band(s.pricePerKwh)}`}
              title={`${fmtTime(s.start, site.timeZone)}: ${fmtKw(s.importKw)}, ${fmtNum(s.pricePerKwh, 3)}/kWh`}
              data-price-band={band(s.pricePerKwh)}
            >
              <div class="plan-load" style={{ height: `${(100 * s.importKw) / top}%` }} />
              {s.demandTargetKw !== null ? (
                <div class="plan-target" style={{ bottom: `${(100 * s.demandTargetKw) / top}%` }} />
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      {p.battery ? <BatteryPlan p={p} timeZone={site.timeZone} /> : null}
      {p.sessions.length > 0 ? (
        <table class="plan-sessions" data-testid="plan-sessions">
          <thead>
            <tr>
              <th>{t.planPort}</th>
              <th>{t.planDeparture}</th>
              <th>{t.planNeed}</th>
              <th>{t.planPlanned}</th>
              <th>{t.planMet}</th>
            </tr>
          </thead>
          <tbody>
            {p.sessions.map((s) => (
              <tr key={`${s.portId}-${s.sessionId}`}>
                <td>{s.portId}</td>
                <td>{fmtTime(s.departure, site.timeZone)}</td>
                <td>{fmtKwh(s.needKwh)}</td>
                <td>{fmtKwh(s.plannedKwh)}</td>
                <td data-testid="plan-met">{s.met ? t.yes : t.planShort(fmtKwh(s.shortKwh))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
