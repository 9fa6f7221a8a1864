/** The circuit tree as the electrician drew it: each circuit with per-phase bars and the ports below it. */
import type { CircuitLive, PortLive, SiteCircuit, SitePort } from './api-types.ts';
import { PHASES, circuitKindLabel, fmtA, fmtKw, limitSourceLabel, stateLabel } from './format.ts';
import { msg } from './i18n.ts';
import { PhaseBar } from './phase-bar.tsx';
import { href } from './router.ts';

interface TreeProps {
  readonly circuits: readonly SiteCircuit[];
  readonly ports: readonly SitePort[];
  readonly live: ReadonlyMap<string, CircuitLive>;
  readonly livePorts: ReadonlyMap<string, PortLive>;
}

/** Nested list from the roots (circuits without a parent). */
export function CircuitTree(props: TreeProps) {
  const roots = props.circuits.filter((c) => c.parentId === null);
  return (
    <ul class="tree" aria-label={msg().circuitTree} data-testid="circuit-tree">
      {roots.map((c) => (
        <CircuitNode key={c.id} circuit={c} {...props} />
      ))}
    </ul>
  );
}

function CircuitNode(props: TreeProps & { circuit: SiteCircuit }) {
  const { circuit: c } = props;
  const l = props.live.get(c.id);
  const children = props.circuits.filter((x) => x.parentId === c.id);
  const ports = props.ports.filter((p) => p.circuitId === c.id);
  const phases = PHASES.map((ph, i) => ({ ph, i })).filter(
    ({ i }) => l === undefined || l.limitA[i] !== null || l.loadA[i] !== null,
  );
  const t = msg();
  return (
    <li class="node" data-circuit={c.id}>
      <section class="circuit" aria-labelledby={`c-${c.id}`}>
        <div class="circuit-head">
          <h3 id={`c-${c.id}`}>
            {c.name} <span class="muted">({c.id})</span>
          </h3>
          <span class="kind">{circuitKindLabel(c.kind)}</span>
          <span class="kw" title={t.loadNow}>
            {fmtKw(l?.loadKw)}
          </span>
        </div>
        <p class="source" data-testid="limit-source">
          {t.limitSourceLine}
          {limitSourceLabel(l?.limitSource)} · <a href={href('limits', c.id)}>{t.change}</a>
        </p>
        <div class="phases">
          {phases.map(({ ph, i }) => (
            <PhaseBar
              key={ph}
              phase={ph}
              loadA={l?.loadA[i] ?? null}
              evLoadA={l?.evLoadA[i] ?? null}
              limitA={l?.limitA[i] ?? c.limitA}
              effectiveLimitA={l?.effectiveLimitA[i] ?? null}
              headroomA={l?.headroomA[i] ?? null}
            />
          ))}
          {c.limitKw !== null && l ? (
            <PhaseBar
              phase="kW"
              unit="kW"
              loadA={l.loadKw}
              evLoadA={null}
              limitA={c.limitKw}
              effectiveLimitA={l.limitKw}
              headroomA={l.limitKw !== null && l.loadKw !== null ? Math.max(0, l.limitKw - l.loadKw) : null}
            />
          ) : null}
        </div>
        {ports.length > 0 ? (
          <ul class="port-chips" aria-label={t.portsOn(c.name)}>
            {ports.map((p) => {
              const lp = props.livePorts.get(p.id);
              return (
                <li key={p.id}>
                  <a
                    class={`chip chip-${lp?.state ?? 'offline'}`}
                    href={href('ports', p.id)}
                    title={lp?.reason ?? ''}
                  >
                    <span class="chip-name">{p.name || p.id}</span>{' '}
                    <span class="chip-a">
                      {lp && lp.limitA > 0 ? fmtA(lp.limitA, 0) : lp ? stateLabel(lp.state) : '–'}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        ) : null}
      </section>
      {children.length > 0 ? (
        <ul class="tree">
          {children.map((ch) => (
            <CircuitNode key={ch.id} {...props} circuit={ch} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
