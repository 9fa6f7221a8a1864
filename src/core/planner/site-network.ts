/**
 * A Fusebox site file as a simulated network: every circuit's per-phase limit (and kW limit) becomes a
 * linear constraint whose coefficients are the core's port load factors (the same numbers the allocator uses).
 */
import type { CompiledSite } from '../compiled-site.ts';
import { compileSite, DIM_COUNT, portLoadFactors } from '../compiled-site.ts';
import { phasorCircuits, portPhasorFactors } from '../phasor-factors.ts';
import type { Site, SiteCircuit } from '../site.ts';
import { sameSupply } from '../site.ts';
import type { ConstraintTerm, Network, NetworkConstraint } from './network.ts';

/** kW a circuit can carry: its kW limit, else its current limit on all its phases. */
export function ratedKw(c: SiteCircuit): number {
  return c.limitKw ?? (c.limitA * c.supply.lineToNeutralV * c.supply.phases.length) / 1000;
}

/**
 * The site with its service sized to `capacityKw`: the root circuit's limits scale to that many kW, and
 * so does every transformer (a circuit on another supply than its parent) directly below a scaled circuit.
 * Panels, pods and breakers keep their ratings.
 */
export function scaleSite(site: Site, capacityKw: number): Site {
  const roots = site.circuits.filter((c) => c.parentId === null);
  if (roots.length !== 1)
    throw new Error(`--capacity-kw needs a site with one root circuit, not ${roots.length}`);
  const f = capacityKw / ratedKw(roots[0]!);
  const byId = new Map(site.circuits.map((c) => [c.id, c]));
  const scaled = new Set<string>();
  const isScaled = (c: SiteCircuit): boolean => {
    if (c.parentId === null) return true;
    const p = byId.get(c.parentId)!;
    return !sameSupply(p.supply, c.supply) && isScaled(p);
  };
  for (const c of site.circuits) if (isScaled(c)) scaled.add(c.id);
  return {
    ...site,
    circuits: site.circuits.map((c) =>
      scaled.has(c.id)
        ? {
            ...c,
            limitA: c.limitA * f,
            marginA: c.marginA * f,
            limitKw: c.limitKw === undefined ? undefined : c.limitKw * f,
          }
        : c,
    ),
  };
}

/**
 * The compiled site's constraints as a Network; with `capacityKw`, the site is scaled first. A site whose
 * allocation uses the phasor line model (docs/allocation.md) gives the exact network: its three-phase
 * circuits' line currents are magnitudes of phasor sums, with the core's own phasor factors; elsewhere
 * (and always for kW limits) the coefficients are real, where a magnitude is the plain sum.
 */
export function networkFromSite(
  compiled: CompiledSite,
  capacityKw?: number,
): { network: Network; compiled: CompiledSite } {
  const cs = capacityKw === undefined ? compiled : compileSite(scaleSite(compiled.site, capacityKw));
  const phasor = phasorCircuits(cs);
  const exact = phasor.some((x) => x === 1);
  const perCircuit = cs.circuits.map(() => Array.from({ length: DIM_COUNT }, () => [] as ConstraintTerm[]));
  const evses = cs.ports.map((port, i) => {
    const f = portLoadFactors(cs, i);
    const pf = exact ? portPhasorFactors(cs, i, phasor) : undefined;
    const path = cs.portPath[i]!;
    for (let level = 0; level < path.length; level++) {
      const ci = path[level]!;
      for (let d = 0; d < DIM_COUNT; d++) {
        if (pf && phasor[ci] && d < 3) {
          const re = pf[level * 6 + 2 * d]!;
          const im = pf[level * 6 + 2 * d + 1]!;
          if (re !== 0 || im !== 0) perCircuit[ci]![d]!.push({ evse: i, re, im });
          continue;
        }
        const coef = f[level * DIM_COUNT + d]!;
        if (coef > 0) perCircuit[ci]![d]!.push({ evse: i, re: coef, im: 0 });
      }
    }
    return {
      id: port.id,
      stationId: port.stationId,
      voltageV: f[3]! * 1000,
      phaseAngleDeg: 0,
      maxA: port.maxCurrentA,
      minA: port.minCurrentA,
    };
  });
  const constraints: NetworkConstraint[] = [];
  cs.circuits.forEach((c, ci) => {
    const root = cs.parent[ci]! < 0;
    const perPhase = 1000 / (c.supply.lineToNeutralV * c.supply.phases.length);
    for (let d = 0; d < 3; d++) {
      const terms = perCircuit[ci]![d]!;
      if (terms.length === 0) continue;
      const phase = `L${d + 1}`;
      constraints.push({
        id: `${c.id} ${phase}`,
        circuitId: c.id,
        phase,
        limitA: c.limitA - c.marginA,
        terms,
        externalPerKw: root ? perPhase : undefined,
      });
    }
    const kwTerms = perCircuit[ci]![3]!;
    if (c.limitKw !== undefined && kwTerms.length > 0) {
      constraints.push({
        id: `${c.id} kW`,
        circuitId: c.id,
        phase: 'kW',
        limitA: c.limitKw,
        terms: kwTerms,
        externalPerKw: root ? 1 : undefined,
      });
    }
  });
  return { network: { evses, constraints, exact }, compiled: cs };
}

/** The same site with the allocator's line model set (the linearized Caltech network needs 'linear'). */
export function withLineModel(site: Site, lineModel: 'linear' | 'phasor'): Site {
  return { ...site, allocation: { ...site.allocation, lineModel } };
}
