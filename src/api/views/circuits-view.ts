/**
 * GET /api/v1/circuits and the `circuits` stream event: per circuit and phase its load (metered where a
 * meter exists, else the EV ports' measured load), EV load, static and effective limits, EV capacity and
 * headroom. Phases a circuit does not have are null.
 */
import type { ControlSnapshot } from '../../control/control-snapshot.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import { DIM_COUNT } from '../../core/compiled-site.ts';
import { phaseIndex } from '../../core/phases.ts';
import { loadOnCircuits } from '../../core/port-load.ts';
import type { OverrideRecord } from '../../contracts/api-records.ts';
import type { LivePort } from '../api-deps.ts';

type Triple = [number | null, number | null, number | null];

const r2 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** A port's current per conductor as last measured, when measured within `maxAgeMs`. */
export function measuredConductors(p: LivePort, nowMs: number, maxAgeMs = 60_000): Triple {
  const m = p.lastMeter;
  if (!m || nowMs - m.atMs > maxAgeMs) return [null, null, null];
  return [m.currentA[0] ?? null, m.currentA[1] ?? null, m.currentA[2] ?? null];
}

/** EV load measured on every circuit (circuits × DIM_COUNT), from the ports' last meter values. */
export function measuredEvLoad(cs: CompiledSite, ports: readonly LivePort[], nowMs: number): Float64Array {
  return loadOnCircuits(
    cs,
    ports.map((p) => ({ portId: p.portId, conductorA: measuredConductors(p, nowMs).map((a) => a ?? 0) })),
  );
}

export function circuitsView(
  cs: CompiledSite,
  snap: ControlSnapshot | null,
  ports: readonly LivePort[],
  overrides: readonly OverrideRecord[],
  nowMs: number,
  names: ReadonlyMap<string, string> = new Map(),
) {
  const ev = measuredEvLoad(cs, ports, nowMs);
  return {
    atMs: snap?.atMs ?? nowMs,
    circuits: cs.circuits.map((c, ci) => {
      const has = [false, false, false];
      for (const ph of c.supply.phases) has[phaseIndex(ph)] = true;
      const triple = (f: (p: number) => number): Triple =>
        [0, 1, 2].map((p) => (has[p] ? r2(f(p)) : null)) as Triple;
      const o = ci * DIM_COUNT;
      const evA = (p: number): number => ev[o + p]!;
      const reading = c.meterId ? snap?.meters.get(c.meterId)?.reading : undefined;
      const metered = reading && !snap?.meters.get(c.meterId!)?.stale ? reading : undefined;
      const loadA = (p: number): number => metered?.currentA[p] ?? evA(p);
      const limit = snap?.limits.get(c.id);
      const effA = limit?.limitA ?? c.limitA;
      const capacity = snap?.capacities.get(c.id);
      const source =
        limit && limit.sourceA !== 'static limit'
          ? limit.sourceA
          : limit && limit.sourceKw !== 'static limit'
            ? limit.sourceKw
            : null;
      const active = overrides.filter((x) => x.circuitId === c.id && x.untilMs > nowMs);
      // The override in force is the lowest active one (the limit source names the kind, not the id).
      const inForce = source?.startsWith('override')
        ? [...active].sort((a, b) => (a.limitA ?? Infinity) - (b.limitA ?? Infinity))[0]
        : undefined;
      const loadKw = metered?.powerKw ?? ev[o + 3]!;
      return {
        id: c.id,
        parentId: c.parentId,
        name: names.get(c.id) ?? c.id,
        loadA: triple(loadA),
        evLoadA: triple(evA),
        limitA: triple(() => c.limitA),
        effectiveLimitA: triple(() => effA),
        // The allocator's capacity may go below 0 (a load it cannot steer is over the limit: it pauses the
        // rest); what EV ports may use is then nothing.
        capacityA: triple((p) => Math.max(0, capacity?.phaseA[p] ?? 0)),
        headroomA: triple((p) => Math.max(0, effA - c.marginA - loadA(p))),
        loadKw: r2(loadKw),
        limitKw: limit && Number.isFinite(limit.limitKw) ? r2(limit.limitKw) : (c.limitKw ?? null),
        limitSource: source,
        overrideId: inForce?.id ?? null,
      };
    }),
  };
}
