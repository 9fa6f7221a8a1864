/**
 * What stations report is checked before Fusebox uses it (docs/ocpp.md "Implausible readings and station
 * clocks"): meter values outside what the port can draw are answered but not used, and station timestamps
 * far from Fusebox's clock are replaced by the receive time. Real WebSockets, a real SQLite file.
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const setUp = (version: OcppVersion): Promise<SimulatedStation> =>
  ocpp.cp1(version, { settings: { acceptUnknownIdTags: true } });

interface Values {
  readonly currentA?: readonly (number | string)[];
  readonly powerW?: number | string;
  readonly energyWh?: number | string;
}

/** One MeterValue as the version spells it (1.6 text values, 2.0.1 numbers). */
function meterValue(version: OcppVersion, atMs: number, v: Values): unknown {
  const sv = (measurand: string, value: number | string, unit: string, phase?: string) =>
    version === '1.6'
      ? { value: String(value), measurand, unit, ...(phase ? { phase } : {}) }
      : { value: Number(value), measurand, unitOfMeasure: { unit }, ...(phase ? { phase } : {}) };
  return {
    timestamp: iso(atMs),
    sampledValue: [
      ...(v.energyWh !== undefined ? [sv('Energy.Active.Import.Register', v.energyWh, 'Wh')] : []),
      ...(v.powerW !== undefined ? [sv('Power.Active.Import', v.powerW, 'W')] : []),
      ...(v.currentA ?? []).map((a, i) => sv('Current.Import', a, 'A', `L${i + 1}`)),
    ],
  };
}

/** A transaction the test drives by hand on its station, in its OCPP version (its own seqNo for 2.0.1). */
interface Tx {
  readonly st: SimulatedStation;
  readonly version: OcppVersion;
  readonly ref: string;
  readonly connectorId: number;
  seqNo: number;
}

async function startTx(
  st: SimulatedStation,
  version: OcppVersion,
  atMs: number,
  meterStartWh: number,
  connectorId = 1,
): Promise<Tx> {
  if (version === '1.6') {
    const res = await st.call<{ transactionId: number }>('StartTransaction', {
      connectorId,
      idTag: 'T',
      meterStart: meterStartWh,
      timestamp: iso(atMs),
    });
    return { st, version, ref: String(res.transactionId), connectorId, seqNo: 0 };
  }
  const ref = `tx-${atMs}-${Math.random().toString(36).slice(2)}`;
  await st.call('TransactionEvent', {
    eventType: 'Started',
    timestamp: iso(atMs),
    triggerReason: 'Authorized',
    seqNo: 0,
    transactionInfo: { transactionId: ref, chargingState: 'Charging' },
    evse: { id: connectorId, connectorId: 1 },
    idToken: { idToken: 'T', type: 'ISO14443' },
    meterValue: [meterValue(version, atMs, { energyWh: meterStartWh })],
  });
  return { st, version, ref, connectorId, seqNo: 1 };
}

/** A 2.0.1 TransactionEvent after the start: the next seqNo, `info` beside the transaction id. */
function laterEvent(
  tx: Tx,
  atMs: number,
  eventType: 'Updated' | 'Ended',
  triggerReason: string,
  info: Record<string, string>,
  meterValue: unknown[],
): Promise<unknown> {
  const transactionInfo = { transactionId: tx.ref, ...info };
  return tx.st.call('TransactionEvent', {
    eventType,
    timestamp: iso(atMs),
    triggerReason,
    seqNo: tx.seqNo++,
    transactionInfo,
    meterValue,
  });
}

/** Meter values within the transaction; resolves with the station's answer. */
function sendValues(tx: Tx, atMs: number, v: Values): Promise<unknown> {
  const values = [meterValue(tx.version, atMs, v)];
  if (tx.version === '1.6')
    return tx.st.call('MeterValues', {
      connectorId: tx.connectorId,
      transactionId: Number(tx.ref),
      meterValue: values,
    });
  return laterEvent(tx, atMs, 'Updated', 'MeterValuePeriodic', { chargingState: 'Charging' }, values);
}

function stopTx(tx: Tx, atMs: number, meterStopWh: number): Promise<unknown> {
  if (tx.version === '1.6')
    return tx.st.call('StopTransaction', {
      transactionId: Number(tx.ref),
      meterStop: meterStopWh,
      timestamp: iso(atMs),
      reason: 'Local',
    });
  const end = { value: meterStopWh, context: 'Transaction.End', unitOfMeasure: { unit: 'Wh' } };
  return laterEvent(tx, atMs, 'Ended', 'StopAuthorized', { stoppedReason: 'Local' }, [
    { timestamp: iso(atMs), sampledValue: [end] },
  ]);
}

interface SessionRow {
  session_id: number;
  transaction_ref: string;
  started_ms: number;
  stopped_ms: number | null;
  energy_wh: number | null;
  meter_stop_wh: number | null;
}

const sessions = (): SessionRow[] =>
  ocpp.h.store.db.prepare('SELECT * FROM sessions ORDER BY session_id').all() as SessionRow[];
const sessionOf = (tx: Tx): SessionRow => sessions().find((s) => s.transaction_ref === tx.ref)!;
/** The stored session of `tx` once it is stopped. */
const stoppedSession = (tx: Tx, what: string): Promise<SessionRow> =>
  eventually(() => {
    const row = sessionOf(tx);
    return row.stopped_ms !== null ? row : undefined;
  }, what);
const eventsOf = (kind: string): { message: string; station_id: string }[] =>
  ocpp.h.store.db.prepare('SELECT message, station_id FROM events WHERE kind = ?').all(kind) as {
    message: string;
    station_id: string;
  }[];

/** CP1 in `version` with a transaction started now on connector 1, once the server has it as the port's session. */
async function sessionNow(version: OcppVersion, meterStartWh: number): Promise<{ t0: number; tx: Tx }> {
  const st = await setUp(version);
  const t0 = Date.now();
  const tx = await startTx(st, version, t0, meterStartWh);
  await eventually(() => ocpp.h.server.port('CP1-1')?.sessionId !== undefined, 'the session');
  return { t0, tx };
}

describe.each<OcppVersion>(['1.6', '2.0.1'])('OCPP %s implausible meter values', (version) => {
  it('answers a reading far beyond the port, does not use it, and logs it once', async () => {
    const { t0, tx } = await sessionNow(version, 10_000);

    // The demo probe: 1e308 A on every phase and -99,999,999 W, on a 32 A port. Answered normally.
    const bad = { currentA: [1e308, 1e308, 1e308], powerW: -99_999_999, energyWh: 10_100 };
    await expect(sendValues(tx, t0 + 1000, bad)).resolves.toBeDefined();
    await expect(sendValues(tx, t0 + 2000, bad)).resolves.toBeDefined();

    const last = ocpp.h.server.port('CP1-1')!.lastMeter!;
    expect(last.currentA.every((a) => a === undefined)).toBe(true);
    expect(last.maxCurrentA).toBeUndefined();
    expect(last.powerKw).toBeUndefined();
    // The plausible value of the same sample is used.
    expect(last.energyWh).toBe(10_100);
    // Stored without the rejected values (the raw sampled values keep what the station sent).
    const rows = ocpp.h.store.db
      .prepare('SELECT current_l1_a, power_w, energy_wh, raw FROM meter_values ORDER BY at_ms')
      .all() as { current_l1_a: number | null; power_w: number | null; energy_wh: number; raw: string }[];
    const stored = rows.filter((r) => r.raw.includes('99999999'));
    expect(stored).toHaveLength(2);
    for (const r of stored) expect([r.current_l1_a, r.power_w, r.energy_wh]).toEqual([null, null, 10_100]);

    // Logged once for the station (rate-limited), naming what and where.
    const [event, ...more] = await eventually(() => {
      const e = eventsOf('implausible-meter-value');
      return e.length ? e : undefined;
    }, 'the implausible-meter-value event');
    expect(more).toHaveLength(0);
    expect(event!.station_id).toBe('CP1');
    expect(event!.message).toMatch(/Current\.Import/);
    expect(event!.message).toMatch(/Power\.Active\.Import/);
    expect(event!.message).toMatch(/CP1-1/);

    // A plausible reading afterwards is used as before.
    await sendValues(tx, t0 + 3000, {
      currentA: [16, 16, 16],
      powerW: 11_040,
      energyWh: 10_200,
    });
    const good = ocpp.h.server.port('CP1-1')!.lastMeter!;
    expect(good.maxCurrentA).toBe(16);
    expect(good.powerKw).toBeCloseTo(11.04);
    expect(await tx.st.heartbeat()).toBeGreaterThan(0);
  });

  it('rejects an energy register that is negative, runs backwards or jumps beyond the port', async () => {
    const { t0, tx } = await sessionNow(version, 50_000);
    await sendValues(tx, t0 + 1000, { energyWh: 50_100 });
    expect(ocpp.h.server.port('CP1-1')!.sessionLastWh).toBe(50_100);
    // Backwards by 49 kWh, negative, and 1e15 Wh: a 22 kW port cannot have delivered that.
    await sendValues(tx, t0 + 2000, { energyWh: 1_000 });
    await sendValues(tx, t0 + 3000, { energyWh: -5 });
    await sendValues(tx, t0 + 4000, { energyWh: 1e15 });
    const port = ocpp.h.server.port('CP1-1')!;
    expect(port.sessionLastWh).toBe(50_100);
    expect(port.lastMeter!.energyWh).toBeUndefined();
    // The stored session's register did not move either; its stop with a wild register keeps the last one.
    await stopTx(tx, Date.now(), 1e15);
    const s = await stoppedSession(tx, 'the stop');
    expect(s.energy_wh).toBe(100);
    await eventually(() => eventsOf('implausible-meter-value').length === 1, 'one event');
  });
});

describe.each<OcppVersion>(['1.6', '2.0.1'])('OCPP %s station clocks', (version) => {
  it('uses the receive time for a start stamped far in the past or future, and never stops a session before it started', async () => {
    const { t0: before, tx: open } = await sessionNow(version, 1_000);
    const st = open.st;
    // A new transaction on the same port stamped 2000-01-01: it supersedes the open one.
    const past = await startTx(st, version, Date.parse('2000-01-01T00:00:00Z'), 2_000);
    const after = Date.now();
    // Its retransmission (the answer was lost) is still the same session, though its receive time differs.
    if (version === '1.6') {
      const again = await startTx(st, version, Date.parse('2000-01-01T00:00:00Z'), 2_000);
      expect(again.ref).toBe(past.ref);
    }
    const first = sessionOf(open);
    const second = sessionOf(past);
    expect(second.started_ms).toBeGreaterThanOrEqual(before);
    expect(second.started_ms).toBeLessThanOrEqual(after);
    expect(first.stopped_ms).not.toBeNull();
    expect(first.stopped_ms!).toBeGreaterThanOrEqual(first.started_ms);

    // Stamped 2100 on the other port: the receive time too.
    const future = await startTx(st, version, Date.parse('2100-01-01T00:00:00Z'), 3_000, 2);
    expect(sessionOf(future).started_ms).toBeLessThanOrEqual(Date.now());
    // Its meter values and stop stamped 2100 too: at most the receive time.
    await sendValues(future, Date.parse('2100-01-01T00:00:10Z'), { energyWh: 3_100 });
    await stopTx(future, Date.parse('2100-01-01T00:01:00Z'), 3_200);
    const futureStop = await stoppedSession(future, 'the future stop');
    expect(futureStop.stopped_ms!).toBeLessThanOrEqual(Date.now());
    expect(futureStop.stopped_ms!).toBeGreaterThanOrEqual(futureStop.started_ms);
    const latest = ocpp.h.store.db.prepare('SELECT MAX(at_ms) AS t FROM meter_values').get() as { t: number };
    expect(latest.t).toBeLessThanOrEqual(Date.now());

    // Meter values stamped before the session started, then a stop stamped 2000: never before the start.
    await sendValues(past, Date.parse('2000-01-01T00:00:10Z'), { energyWh: 2_100 });
    await stopTx(past, Date.parse('2000-01-01T00:01:00Z'), 2_200);
    const stopped = await stoppedSession(past, 'the stop');
    expect(stopped.stopped_ms!).toBeGreaterThanOrEqual(stopped.started_ms);
    const early = ocpp.h.store.db
      .prepare(
        `SELECT COUNT(*) AS n FROM meter_values m JOIN sessions s ON s.session_id = m.session_id
         WHERE m.at_ms < s.started_ms`,
      )
      .get() as { n: number };
    expect(early.n).toBe(0);
    const negative = ocpp.h.store.db
      .prepare('SELECT COUNT(*) AS n FROM sessions WHERE stopped_ms < started_ms')
      .get() as { n: number };
    expect(negative.n).toBe(0);

    // The station and the receive time are both kept; logged once for the station.
    const row = ocpp.h.store.db
      .prepare('SELECT started_station_ms, started_received_ms FROM sessions WHERE transaction_ref = ?')
      .get(past.ref) as { started_station_ms: number; started_received_ms: number };
    expect(row.started_station_ms).toBe(Date.parse('2000-01-01T00:00:00Z'));
    expect(row.started_received_ms).toBe(sessionOf(past).started_ms);
    const clock = await eventually(() => {
      const e = eventsOf('station-clock');
      return e.length ? e : undefined;
    }, 'the station-clock event');
    expect(clock).toHaveLength(1);
    expect(clock[0]!.message).toMatch(/2000-01-01/);
  });

  it('keeps plausible past timestamps of messages a station queued while offline', async () => {
    const st = await setUp(version);
    // Started 3 h ago, a reading 2 h ago, stopped 1 h ago: all sent now, as after a long outage.
    const now = Date.now();
    const tx = await startTx(st, version, now - 3 * HOUR, 5_000);
    await sendValues(tx, now - 2 * HOUR, { energyWh: 15_000 });
    await stopTx(tx, now - HOUR, 25_000);
    const s = await stoppedSession(tx, 'the stop');
    expect(s.started_ms).toBe(now - 3 * HOUR);
    expect(s.stopped_ms).toBe(now - HOUR);
    expect(s.energy_wh).toBe(20_000);
    const m = ocpp.h.store.db.prepare('SELECT at_ms FROM meter_values WHERE energy_wh = 15000').get() as {
      at_ms: number;
    };
    expect(m.at_ms).toBe(now - 2 * HOUR);
    expect(eventsOf('station-clock')).toHaveLength(0);
  });
});
