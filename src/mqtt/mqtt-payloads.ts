/**
 * What Fusebox publishes on its MQTT state topics (docs/integrations.md), built from the same views as the
 * HTTP API and the Modbus EMS map: the site (ems-view.ts), circuits and ports (src/api/views), sessions.
 */
import type { LivePort } from '../api/api-deps.ts';
import type { SessionItem } from '../contracts/api-store.ts';
import { circuitsView } from '../api/views/circuits-view.ts';
import { portsView } from '../api/views/ports-view.ts';
import type { ControlSnapshot } from '../control/control-snapshot.ts';
import type { CompiledSite } from '../core/compiled-site.ts';
import { emsSnapshot } from '../ems-view.ts';
import type { EmsCommands } from '../contracts/ems-commands.ts';
import type { EmsSnapshot } from '../modbus/index.ts';
import type { PortSnapshot } from '../contracts/station-gateway.ts';

const r2 = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100;
const triple = (v: readonly (number | null | undefined)[]): (number | null)[] =>
  [0, 1, 2].map((i) => r2(v[i]));

export interface LiveInputs {
  readonly site: CompiledSite;
  readonly siteName: string;
  readonly circuitNames: ReadonlyMap<string, string>;
  readonly snapshot: ControlSnapshot | null;
  readonly ports: readonly PortSnapshot[];
  readonly openSessions: readonly SessionItem[];
  readonly nowMs: number;
}

/** Topic (under the prefix) → payload, for every state topic. */
export function statePayloads(input: LiveInputs, segment: (id: string) => string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const { site: cs, snapshot: snap, nowMs } = input;
  let ems: EmsSnapshot | null = null;
  try {
    ems = emsSnapshot(cs, snap, input.ports);
  } catch {
    // Before the first control run there is no decision to publish yet.
  }
  out.set('site', {
    name: input.siteName,
    powerKw: r2(ems?.sitePowerKw),
    currentA: triple(ems?.siteCurrentA ?? []),
    evPowerKw: r2(ems?.evPowerKw),
    headroomA: r2(ems?.headroomA),
    headroomKw: r2(ems?.headroomKw),
    activeSessions: ems?.activeSessions ?? 0,
    pausedSessions: ems?.pausedSessions ?? 0,
    alarms: {
      meterStale: ems?.alarms.meterStale ?? false,
      stationOffline: ems?.alarms.stationOffline ?? false,
      failSafe: ems?.alarms.failSafe ?? false,
      overLimit: ems?.alarms.overLimit ?? false,
    },
    controlAlive: ems !== null,
  });

  const live = input.ports as readonly LivePort[];
  for (const c of circuitsView(cs, snap, live, [], nowMs, input.circuitNames).circuits) {
    const headroom = c.headroomA.filter((a): a is number => a !== null);
    out.set(`circuit/${segment(c.id)}`, {
      id: c.id,
      name: c.name,
      parentId: c.parentId,
      loadA: triple(c.loadA),
      evLoadA: triple(c.evLoadA),
      limitA: r2(Math.max(...c.effectiveLimitA.map((a) => a ?? 0))),
      configuredLimitA: r2(Math.max(...c.limitA.map((a) => a ?? 0))),
      headroomA: triple(c.headroomA),
      headroomMinA: headroom.length > 0 ? r2(Math.min(...headroom)) : null,
      loadKw: r2(c.loadKw),
      limitKw: r2(c.limitKw),
      limitSource: c.limitSource,
    });
  }

  const view = portsView(cs, snap, live, input.openSessions, nowMs);
  const sessions: unknown[] = [];
  for (const p of view.ports) {
    const measured = p.measuredA.filter((a): a is number => a !== null);
    const values = ems?.ports.get(p.id);
    const session = p.session
      ? {
          id: p.session.id,
          startedAt: p.session.startedAt,
          energyKwh: r2(values?.sessionEnergyKwh ?? p.session.energyKwh),
        }
      : null;
    if (session) sessions.push({ portId: p.id, stationId: p.stationId, ...session });
    out.set(`port/${segment(p.id)}`, {
      id: p.id,
      stationId: p.stationId,
      circuitId: p.circuitId,
      state: p.state,
      connected: p.connected,
      currentA: measured.length > 0 ? r2(Math.max(...measured)) : null,
      measuredA: triple(p.measuredA),
      powerKw: r2(values?.powerKw),
      limitA: r2(p.limitA),
      // A port limit commanded over MQTT in force (the allocation then names it `demand-max`), else null.
      commandLimitA: snap?.ems?.portLimitA?.get(p.id) ?? null,
      limitedBy: p.limitedBy.kind,
      reason: p.reason,
      sessionEnergyKwh: session?.energyKwh ?? null,
      session,
    });
  }
  out.set('sessions', { active: sessions });
  return out;
}

/** The `commands` topic: what the MQTT command topics have in force. */
export function commandsPayload(c: EmsCommands, watchdogS: number, enabled: boolean): unknown {
  return {
    enabled,
    watchdogS,
    circuits: Object.fromEntries(c.circuitLimitA),
    ports: Object.fromEntries(c.portLimitA ?? []),
    watchdogExpired: c.watchdogExpired,
  };
}
