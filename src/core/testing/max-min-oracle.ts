/**
 * Weighted max-min fair allocation with lower and upper bounds and strict priority classes, computed
 * independently of the allocator by successive linear programs solved with HiGHS: for one class at a
 * time (higher first, lower classes at their minimum), maximise the common level t subject to every
 * constraint, lo_i ≤ x_i ≤ hi_i and x_i ≥ w_i·t for the ports not yet frozen; then freeze each port that
 * cannot rise above its level (one LP per port maximising x_i); repeat until the class is frozen.
 * Assumes everyone fits at minimum (nobody paused) and no step rounding.
 */
import type { Highs } from 'highs';
import type { ProblemView } from './allocation-check.ts';

/** A rise smaller than this (A) counts as none: LP tolerances are around 1e-7. */
const RISE_EPS = 1e-5;

const num = (x: number): string => {
  const s = x.toString();
  if (!s.includes('e')) return s;
  return x.toFixed(12);
};

interface Lp {
  objective: string;
  rows: string[];
  bounds: string[];
}

function solve(highs: Highs, lp: Lp): Record<string, number> {
  const text = [
    'Maximize',
    ` obj: ${lp.objective}`,
    'Subject To',
    ...lp.rows,
    'Bounds',
    ...lp.bounds,
    'End',
  ].join('\n');
  const r = highs.solve(text, { output_flag: false });
  if (r.Status !== 'Optimal') throw new Error(`oracle LP ${r.Status}:\n${text}`);
  const out: Record<string, number> = {};
  const columns = r.Columns as Record<string, { readonly Primal: number }>;
  for (const [name, col] of Object.entries(columns)) out[name] = col.Primal;
  return out;
}

/** The fair allocation per port id. Throws when the minimums do not fit. */
export function maxMinFair(highs: Highs, view: ProblemView): Map<string, number> {
  const ports = view.ports.filter((p) => p.hi >= p.lo);
  const value = ports.map((p) => p.lo);
  const frozen = ports.map((p) => p.hi - p.lo <= 1e-12);
  const classes = [...new Set(ports.map((p) => p.priority))].sort((a, b) => b - a);

  for (const priority of classes) {
    const members = ports.flatMap((p, i) => (p.priority === priority && !frozen[i] ? [i] : []));
    let open = members;
    while (open.length > 0) {
      const isOpen = new Set(open);
      // Constraint rows over the open ports; everything else is a constant at its current value.
      const rows = (extra: (i: number) => string | null): string[] => {
        const used = new Map<number, { terms: string[]; rhs: number }>();
        open.forEach((i) => {
          const p = ports[i]!;
          p.constraints.forEach((k, j) => {
            if (!Number.isFinite(view.cap[k]!)) return;
            if (!used.has(k)) used.set(k, { terms: [], rhs: view.cap[k]! });
            used.get(k)!.terms.push(`${num(p.factors[j]!)} x${i}`);
          });
        });
        ports.forEach((p, i) => {
          if (isOpen.has(i)) return;
          p.constraints.forEach((k, j) => {
            const row = used.get(k);
            if (row) row.rhs -= value[i]! * p.factors[j]!;
          });
        });
        const out = [...used].map(([k, r]) => ` r${k}: ${r.terms.join(' + ')} <= ${num(r.rhs)}`);
        open.forEach((i) => {
          const e = extra(i);
          if (e) out.push(e);
        });
        return out;
      };
      const bounds = (lower: (i: number) => number): string[] =>
        open.map((i) => ` ${num(lower(i))} <= x${i} <= ${num(ports[i]!.hi)}`);

      const level = solve(highs, {
        objective: 't',
        rows: rows((i) => ` w${i}: x${i} - ${num(ports[i]!.weight)} t >= 0`),
        bounds: [...bounds((i) => ports[i]!.lo), ' t >= 0'],
      });
      const t = level['t'] ?? 0;
      const at = (i: number): number => {
        const p = ports[i]!;
        return Math.min(p.hi, Math.max(p.lo, p.weight * t));
      };
      open.forEach((i) => (value[i] = at(i)));

      const stuck = open.filter((i) => {
        if (at(i) >= ports[i]!.hi - RISE_EPS) return true;
        const best = solve(highs, { objective: `x${i}`, rows: rows(() => null), bounds: bounds(at) });
        return (best[`x${i}`] ?? 0) <= at(i) + RISE_EPS;
      });
      if (stuck.length === 0) throw new Error('oracle: level maximal but no port is stuck');
      for (const i of stuck) frozen[i] = true;
      open = open.filter((i) => !frozen[i]);
    }
  }
  return new Map(ports.map((p, i) => [p.portId, value[i]!]));
}
