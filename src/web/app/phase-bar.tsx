/** One phase of a circuit: building load and EV load against the limit, the rest is headroom. */
import { fmtA, fmtNum } from './format.ts';
import { msg } from './i18n.ts';

export interface PhaseBarProps {
  readonly phase: string;
  readonly loadA: number | null;
  readonly evLoadA: number | null;
  /** Static limit: the full width of the bar. */
  readonly limitA: number | null;
  /** Limit in force now (schedule, override, EMS), drawn as a marker when below the static limit. */
  readonly effectiveLimitA: number | null;
  readonly headroomA: number | null;
  /** 'A' per phase (default) or 'kW' for a circuit's power limit. */
  readonly unit?: string;
}

/** A horizontal bar with an accessible meter role and the numbers as text. */
export function PhaseBar(p: PhaseBarProps) {
  const full = p.limitA ?? p.effectiveLimitA ?? 0;
  const eff = p.effectiveLimitA ?? full;
  const load = p.loadA ?? 0;
  const ev = Math.min(p.evLoadA ?? 0, load);
  const pct = (a: number) => (full > 0 ? Math.max(0, Math.min(100, (a / full) * 100)) : 0);
  const use = eff > 0 ? load / eff : 0;
  const level = use >= 0.95 ? 'full' : use >= 0.8 ? 'high' : 'ok';
  const headroom = p.headroomA ?? eff - load;
  const unit = p.unit ?? 'A';
  const t = msg();
  const f = (x: number, digits = 1) => (unit === 'A' ? fmtA(x, digits) : `${fmtNum(x, digits)} ${unit}`);
  const text = t.phaseText(p.phase, f(load), f(eff, 0), eff < full ? f(full, 0) : null, f(headroom));
  return (
    <div
      class={`phase phase-${level}`}
      role="meter"
      aria-label={t.phaseLoad(p.phase)}
      aria-valuemin={0}
      aria-valuemax={eff}
      aria-valuenow={Math.round(load * 10) / 10}
      aria-valuetext={text}
      title={text}
    >
      <span class="phase-name">{p.phase}</span>
      <span class="track">
        <span class="fill-other" style={{ width: `${pct(load - ev)}%` }} />
        <span class="fill-ev" style={{ left: `${pct(load - ev)}%`, width: `${pct(ev)}%` }} />
        {eff < full ? <span class="reduced" style={{ left: `${pct(eff)}%` }} /> : null}
      </span>
      <span class="phase-nums">
        <span class="load-num">{fmtNum(load, 1)}</span>/{fmtNum(eff, 0)} {unit}
        <span class="headroom">
          {' '}
          · {fmtNum(headroom, 1)} {t.free}
        </span>
      </span>
    </div>
  );
}
