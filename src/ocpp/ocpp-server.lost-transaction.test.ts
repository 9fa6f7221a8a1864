/**
 * A station that lost its transaction (it rebooted) reports the connector Available: the session Fusebox
 * still holds open is closed, so no more session limits are sent to a station that would refuse them. A stop
 * the station sends later anyway (offline queue) replaces the inferred one. Real WebSockets, real SQLite.
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { SessionStoppedEvent } from '../contracts/station-gateway.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

interface SessionRow {
  session_id: number;
  started_ms: number;
  stopped_ms: number | null;
  meter_stop_wh: number | null;
  energy_wh: number | null;
  stop_reason: string | null;
}

const sessions = (h: Harness) =>
  h.store.db.prepare('SELECT * FROM sessions ORDER BY session_id').all() as SessionRow[];

/** TxProfiles (session limits) the station received. */
function txProfiles(st: SimulatedStation): unknown[] {
  return st.received
    .filter((r) => r.action === 'SetChargingProfile')
    .map((r) => r.payload as Record<string, { chargingProfilePurpose?: string } | undefined>)
    .filter((p) => (p.csChargingProfiles ?? p.chargingProfile)?.chargingProfilePurpose === 'TxProfile');
}

const settings = { acceptUnknownIdTags: true };

/** CP1 charges on port 2 (2000 Wh metered), then Fusebox and the station both go away mid-session. */
async function killedMidSession(version: OcppVersion) {
  const stations = [{ id: 'CP1', ports: 2, version }];
  const first = await ocpp.start({ stations, circuitLimitA: 40, settings });
  const st = ocpp.station({ url: first.url, stationId: 'CP1', version, ports: 2 });
  await st.connect();
  await st.plugIn(2);
  await st.start(2, 'T');
  st.port(2).meterWh += 2000;
  await st.sendMeterValues(2);
  await eventually(() => first.server.port('CP1-2')!.sessionId, 'the session open');
  await st.close();
  await first.stop();
  const h = await ocpp.start({ stations, circuitLimitA: 40, settings, dbPath: first.dbPath });
  return h;
}

for (const version of ['1.6', '2.0.1'] as const) {
  describe(`OCPP ${version}: a restored session whose station rebooted without it`, () => {
    it('is closed when the station reports the connector Available; no session limit goes out after', async () => {
      const h = await killedMidSession(version);
      const sessionId = h.server.port('CP1-2')!.sessionId;
      expect(sessionId).toBeDefined(); // restored from the store
      const stopped: SessionStoppedEvent[] = [];
      h.server.on('session-stopped', (e) => stopped.push(e));
      // The station restarted: it boots with no transaction and reports both connectors Available.
      const st = ocpp.station({ url: h.url, stationId: 'CP1', version, ports: 2 });
      await st.connect();
      await eventually(() => h.server.port('CP1-2')!.sessionId === undefined, 'the session closed');
      expect(stopped).toHaveLength(1);
      expect(stopped[0]).toMatchObject({ portId: 'CP1-2', sessionId, reason: 'StationReportedAvailable' });
      // Energy by the last reading stored (the simulated car may add a little between start and reading).
      expect(stopped[0]!.energyWh).toBeGreaterThanOrEqual(2000);
      expect(stopped[0]!.energyWh).toBeLessThan(2100);
      const [row] = sessions(h);
      expect(row).toMatchObject({ session_id: sessionId, stop_reason: 'StationReportedAvailable' });
      expect(row!.energy_wh).toBe(stopped[0]!.energyWh);
      expect(row!.stopped_ms).toBeGreaterThan(0);
      // The event is written in the background: wait for it.
      const events = await eventually(() => {
        const rows = h.store.db
          .prepare("SELECT level, message FROM events WHERE kind = 'session-stopped'")
          .all() as { level: string; message: string }[];
        return rows.length > 0 && rows;
      }, 'the event recorded');
      expect(events).toEqual([
        { level: 'warn', message: expect.stringContaining('Available without having stopped') as string },
      ]);
      // The control loop's limit for the port finds no session: nothing is sent.
      expect(await h.server.applySetpoint('CP1-2', 12)).toBe('no-session');
      await new Promise((r) => setTimeout(r, 200));
      expect(txProfiles(st)).toEqual([]);
    });
  });
}

/** A StatusNotification as the station would send it, for connector `connectorId`. */
function statusNotification(st: SimulatedStation, connectorId: number, status: string, atMs: number) {
  const timestamp = new Date(atMs).toISOString();
  return st.version === '1.6'
    ? st.call('StatusNotification', { connectorId, status, errorCode: 'NoError', timestamp })
    : st.call('StatusNotification', {
        timestamp,
        connectorStatus: status,
        evseId: connectorId,
        connectorId: 1,
      });
}

for (const version of ['1.6', '2.0.1'] as const) {
  describe(`OCPP ${version}: the station's stop arriving after it reported the connector Available`, () => {
    it('other statuses keep the session; the late stop replaces the inferred one', async () => {
      const h = await ocpp.start({
        stations: [{ id: 'CP1', ports: 2, version }],
        circuitLimitA: 40,
        settings,
      });
      const st = ocpp.station({ url: h.url, stationId: 'CP1', version, ports: 2 });
      await st.connect();
      await st.plugIn(2);
      const { transactionId } = await st.start(2, 'T');
      st.port(2).meterWh += 2000;
      await st.sendMeterValues(2);
      const sessionId = h.server.port('CP1-2')!.sessionId;
      expect(sessionId).toBeDefined();
      const others =
        version === '1.6'
          ? ['SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Unavailable', 'Faulted']
          : ['Occupied', 'Unavailable', 'Faulted'];
      for (const status of others) await statusNotification(st, 2, status, Date.now());
      expect(h.server.port('CP1-2')!.sessionId).toBe(sessionId);
      expect(sessions(h)[0]!.stopped_ms).toBeNull();

      // The car left; the station's StopTransaction waits in its offline queue, its status does not.
      const availableMs = Date.now();
      await statusNotification(st, 2, 'Available', availableMs);
      expect(h.server.port('CP1-2')!.sessionId).toBeUndefined();
      const inferred = sessions(h)[0]!;
      expect(inferred).toMatchObject({ stop_reason: 'StationReportedAvailable', stopped_ms: availableMs });

      // The queued stop comes: 500 Wh more, stopped before the Available (after the start: an earlier stamp
      // would be replaced by the receive time, docs/ocpp.md), its own reason.
      st.port(2).meterWh += 500;
      const stopMs = Math.floor((inferred.started_ms + availableMs) / 2);
      if (version === '1.6') {
        await st.call('StopTransaction', {
          transactionId: Number(transactionId),
          meterStop: Math.round(st.port(2).meterWh),
          timestamp: new Date(stopMs).toISOString(),
          reason: 'EVDisconnected',
        });
      } else {
        await st.stop(2, 'EVDisconnected');
      }
      const row = sessions(h)[0]!;
      expect(row.stop_reason).toBe('EVDisconnected');
      expect(row.meter_stop_wh).toBeCloseTo(st.port(2).meterWh, 0);
      // 1.6 meterStop is whole Wh, the readings to 0.1 Wh: rounding may lose up to 0.55 Wh.
      expect(row.energy_wh).toBeGreaterThanOrEqual(inferred.energy_wh! + 500 - 1);
      if (version === '1.6') expect(row.stopped_ms).toBe(stopMs);
      else expect(row.stopped_ms).toBeGreaterThanOrEqual(availableMs);
      // A repeated stop changes nothing now.
      if (version === '1.6') {
        await st.call('StopTransaction', {
          transactionId: Number(transactionId),
          meterStop: 1,
          timestamp: new Date(availableMs).toISOString(),
          reason: 'Other',
        });
        expect(sessions(h)[0]).toEqual(row);
      }
    });
  });
}
