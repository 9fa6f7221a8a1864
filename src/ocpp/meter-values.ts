/**
 * A station's meter values (MeterValues and those inside transaction messages): checked for plausibility,
 * stored, kept on the port, then told to the control loop.
 */
import type { MeterSampleRecord, SessionRecord } from '../contracts/ocpp-repository.ts';
import type { PortMeterEvent } from '../contracts/station-gateway.ts';
import type { InputNotices } from './input-notices.ts';
import type { MeterSample } from './meter-sample.ts';
import { conductorCurrents } from './meter-sample.ts';
import type { OcppContext } from './ocpp-context.ts';
import { portAt } from './ocpp-context.ts';
import type { StationConnection } from './station-connection.ts';
import type { EnergyContext } from './station-input.ts';
import { checkSample, portBounds } from './station-input.ts';

/** MeterValues (and the meter values inside transaction messages): store, then tell the control loop. */
export async function recordMeterValues(
  ctx: OcppContext,
  notices: InputNotices,
  conn: StationConnection,
  evseId: number,
  samples: readonly { readonly sample: MeterSample; readonly raw: unknown }[],
  session: SessionRecord | undefined,
): Promise<void> {
  if (!samples.length) return;
  const rt = evseId > 0 ? portAt(ctx, conn.stationId, evseId) : undefined;
  const sessionId = session?.sessionId ?? rt?.session?.sessionId;
  const live = sessionId !== undefined && rt?.session?.sessionId === sessionId ? rt : undefined;
  const startedMs = session?.startedMs ?? live?.session?.startedMs;
  const bounds = rt ? portBounds(rt.info) : undefined;
  // The session's register as the checks see it, advanced by each plausible sample in turn.
  let energy: EnergyContext | undefined =
    startedMs === undefined
      ? undefined
      : {
          startedMs,
          startWh: live ? live.sessionStartWh : session?.meterStartWh,
          lastWh: live ? live.sessionLastWh : session?.meterLastWh,
        };
  const receivedMs = ctx.now();
  const problems: string[] = [];
  const checked = samples.map(({ sample: said, raw }) => {
    const atMs = notices.stationTime(conn, said.atMs, receivedMs, 'meter value', rt?.portId, startedMs);
    const { sample, problems: found } = checkSample({ ...said, atMs }, bounds, energy, receivedMs);
    problems.push(...found);
    const wh = sample.energyWh;
    if (energy && wh !== undefined)
      energy = { ...energy, startWh: energy.startWh ?? wh, lastWh: Math.max(wh, energy.lastWh ?? wh) };
    return { sample, raw, stationAtMs: atMs === said.atMs ? undefined : said.atMs };
  });
  if (problems.length) notices.implausible(conn, rt?.portId, problems);
  const records: MeterSampleRecord[] = checked.map(({ sample, raw, stationAtMs }) => ({
    stationId: conn.stationId,
    evseId,
    portId: rt?.portId,
    sessionId,
    atMs: sample.atMs,
    energyWh: sample.energyWh,
    powerW: sample.powerW,
    currentA: sample.phaseCurrentA,
    voltageV: sample.voltageV,
    socPct: sample.socPct,
    raw,
    stationAtMs,
    receivedMs,
  }));
  await ctx.repo.recordMeterValues(records);
  if (!rt) return;
  for (const { sample } of checked) {
    const currents = conductorCurrents(sample, rt.info.conductors);
    const event: PortMeterEvent = {
      portId: rt.portId,
      sessionId,
      atMs: sample.atMs,
      currentA: currents.currentA,
      conductorsInUse: currents.conductorsInUse,
      maxCurrentA: currents.maxCurrentA,
      energyWh: sample.energyWh,
      powerKw: sample.powerW !== undefined ? sample.powerW / 1000 : undefined,
      voltageV: sample.voltageV,
      socPct: sample.socPct,
    };
    if (currents.conductorsInUse) rt.conductorsInUse = currents.conductorsInUse.filter(Boolean).length;
    if (sessionId !== undefined && rt.session?.sessionId === sessionId) {
      // A 2.0.1 transaction often has no meter start: its first reading is where the session began.
      if (rt.sessionStartWh === undefined) rt.sessionStartWh = sample.energyWh;
      // The register only rises: the highest reading is the latest, whatever order frames came in.
      if (sample.energyWh !== undefined && !(sample.energyWh <= (rt.sessionLastWh ?? -Infinity)))
        rt.sessionLastWh = sample.energyWh;
      if (sample.socPct !== undefined && !(sample.atMs < (rt.socAtMs ?? -Infinity))) {
        rt.socPct = sample.socPct;
        rt.socAtMs = sample.atMs;
      }
    }
    if (!rt.lastMeter || rt.lastMeter.atMs <= event.atMs) rt.lastMeter = event;
    ctx.events.emit('meter-values', event);
  }
}
