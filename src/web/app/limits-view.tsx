/** Limits and schedules: pick a circuit, see what limits it now, change overrides and its weekly schedule. */
import { useCallback } from 'preact/hooks';
import type { CircuitLive, Override, SchedulesPayload, SiteCircuit } from './api-types.ts';
import { PHASES, fmtA, fmtNum, limitSourceLabel } from './format.ts';
import { msg } from './i18n.ts';
import { useLive, useLiveTopic } from './live.ts';
import { OverridesPanel } from './overrides-panel.tsx';
import { href } from './router.ts';
import { ScheduleEditor } from './schedule-editor.tsx';
import { useSite } from './site-context.ts';
import { useFetch } from './use-fetch.ts';
import { ErrorLine } from './error-line.tsx';

/** The limits page for one circuit (from the route), or the circuit list alone. */
export function LimitsView({ circuitId }: { circuitId: string | null }) {
  const { site } = useSite();
  const snap = useLive();
  const circuit = site.circuits.find((c) => c.id === circuitId) ?? null;
  const overrides = useFetch<{ items: Override[] }>('/overrides');
  const schedules = useFetch<SchedulesPayload>('/schedules');
  const reloadOverrides = overrides.reload;
  const reloadSchedules = schedules.reload;
  useLiveTopic(
    'overrides',
    useCallback(() => reloadOverrides(), [reloadOverrides]),
  );
  useLiveTopic(
    'schedules',
    useCallback(() => reloadSchedules(), [reloadSchedules]),
  );
  const live = snap.circuits?.circuits.find((c) => c.id === circuitId);
  const t = msg();
  return (
    <div class="limits">
      <CircuitPicker circuitId={circuitId} />
      {circuit ? (
        <section class="circuit-limits" aria-labelledby="limits-title">
          <h2 id="limits-title">{circuit.name}</h2>
          <div class="limits-columns">
            <div>
              <CircuitFacts circuit={circuit} live={live} />
              <ErrorLine error={overrides.error && t.overridesError(overrides.error)} />
              <OverridesPanel
                circuit={circuit}
                overrides={(overrides.data?.items ?? []).filter((o) => o.circuitId === circuit.id)}
                onChanged={reloadOverrides}
              />
            </div>
            <div>
              <ErrorLine error={schedules.error && t.schedulesError(schedules.error)} />
              {schedules.data ? (
                <ScheduleEditor
                  key={circuit.id}
                  circuit={circuit}
                  schedule={schedules.data.items.find((s) => s.circuitId === circuit.id) ?? null}
                  siteFile={schedules.data.fromSiteFile.find((s) => s.circuitId === circuit.id)?.weekly ?? []}
                  onSaved={reloadSchedules}
                />
              ) : null}
            </div>
          </div>
        </section>
      ) : (
        <p class="hint">{t.chooseCircuitHint}</p>
      )}
    </div>
  );
}

/** The circuit list (a select on narrow screens), indented by depth; the route's circuit is current. */
function CircuitPicker({ circuitId }: { circuitId: string | null }) {
  const { site } = useSite();
  const depth = (id: string | null): number => {
    const c = site.circuits.find((x) => x.id === id);
    return c?.parentId ? 1 + depth(c.parentId) : 0;
  };
  const t = msg();
  return (
    <nav class="circuit-picker" aria-label={t.circuits}>
      <h2>{t.circuits}</h2>
      <label class="circuit-select">
        {t.circuit}
        <select
          value={circuitId ?? ''}
          onChange={(e) => {
            location.hash = href('limits', e.currentTarget.value);
          }}
        >
          <option value="" disabled>
            {t.chooseCircuit}
          </option>
          {site.circuits.map((c) => (
            <option key={c.id} value={c.id}>
              {'\u00a0'.repeat(depth(c.id) * 2)}
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <ul>
        {site.circuits.map((c) => (
          <li key={c.id} style={{ paddingLeft: `${depth(c.id) * 0.9}rem` }}>
            <a href={href('limits', c.id)} aria-current={c.id === circuitId ? 'page' : undefined}>
              {c.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** What limits a circuit: its static limit, the limit in force now and who set it, the EV capacity now. */
function CircuitFacts({ circuit, live }: { circuit: SiteCircuit; live: CircuitLive | undefined }) {
  const t = msg();
  return (
    <dl class="facts">
      <dt>{t.staticLimitLabel}</dt>
      <dd>
        {fmtA(circuit.limitA, 0)}
        {circuit.limitKw !== null ? ` / ${fmtNum(circuit.limitKw, circuit.limitKw % 1 ? 1 : 0)} kW` : ''}
        {t.perPhase}
      </dd>
      <dt>{t.inForceNow}</dt>
      <dd data-testid="effective-limit">
        {live
          ? PHASES.map((ph, i) =>
              live.effectiveLimitA[i] !== null ? `${ph} ${fmtA(live.effectiveLimitA[i], 0)}` : null,
            )
              .filter(Boolean)
              .join(' · ')
          : '–'}
      </dd>
      <dt>{t.setBy}</dt>
      <dd data-testid="circuit-limit-source">{limitSourceLabel(live?.limitSource)}</dd>
      <dt>{t.evCapacityNow}</dt>
      <dd>
        {live
          ? PHASES.map((ph, i) => (live.capacityA[i] !== null ? `${ph} ${fmtA(live.capacityA[i])}` : null))
              .filter(Boolean)
              .join(' · ')
          : '–'}
      </dd>
    </dl>
  );
}
