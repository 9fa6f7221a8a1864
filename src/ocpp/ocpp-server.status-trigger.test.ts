/**
 * After Fusebox starts, a station that reconnects without booting is asked for each port's status
 * (TriggerMessage StatusNotification), over real WebSockets and a real SQLite file. A station that refuses
 * (Rejected, NotImplemented, a CALLERROR) is left alone quietly: one call, nothing logged above debug.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SimTriggerAnswer } from '../sim/devices/ocpp-station.ts';
import type { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { eventually } from './testing/ocpp-harness.ts';
import { ocppPerTest } from './testing/ocpp-per-test.ts';

const ocpp = ocppPerTest();

/** A logger that keeps every line (level and message) at debug and above. */
function capturingLog(): { log: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const { level, msg } = JSON.parse(text) as { level: number; msg: string };
        lines.push({ level, msg });
      }
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/**
 * CP1 (two ports) boots against a first Fusebox, which then stops; a second one starts on the same store and
 * CP1 reconnects without booting (it did not restart), answering TriggerMessage as `answer` says.
 */
async function restartedStation(version: OcppVersion, answer: SimTriggerAnswer) {
  const stations = [{ id: 'CP1', ports: 2, version }];
  const first = await ocpp.start({ stations, circuitLimitA: 40 });
  const st = ocpp.station({ url: first.url, stationId: 'CP1', version, ports: 2 });
  await st.connect();
  await st.close();
  await first.stop();
  const { log, lines } = capturingLog();
  const h = await ocpp.start({ stations, circuitLimitA: 40, dbPath: first.dbPath, log });
  const st2 = ocpp.station({ url: h.url, stationId: 'CP1', version, ports: 2 });
  st2.answeringTrigger = answer;
  expect(h.server.port('CP1-1')!.status).toBe('unknown');
  const t0 = performance.now();
  await st2.connect({ boot: false });
  return { h, st: st2, lines, t0 };
}

const triggers = (st: SimulatedStation) => st.received.filter((r) => r.action === 'TriggerMessage');

for (const version of ['1.6', '2.0.1'] as const) {
  describe(`OCPP ${version}: a station reconnecting without a boot after Fusebox starts`, () => {
    it('is asked for the status of each port, per connector, and its ports are known within a round trip', async () => {
      const { h, st, t0 } = await restartedStation(version, 'Accepted');
      await eventually(
        () => h.server.ports().every((p) => p.status === 'available'),
        'both ports reported available',
      );
      const ms = performance.now() - t0;
      expect(triggers(st).map((r) => r.payload)).toEqual(
        version === '1.6'
          ? [1, 2].map((connectorId) => ({ requestedMessage: 'StatusNotification', connectorId }))
          : [1, 2].map((id) => ({ requestedMessage: 'StatusNotification', evse: { id, connectorId: 1 } })),
      );
      // After the fail-safe defaults (calls to a station are sequential), well within the 5 min grace.
      const defaults = st.received.filter((r) => r.action === 'SetChargingProfile').length;
      expect(defaults).toBe(2);
      expect(ms).toBeLessThan(5000);
      if (process.env.SCENARIO_REPORT)
        console.log(`[scenario] status trigger ${version}: ${ms.toFixed(0)} ms`);
    });

    for (const answer of ['Rejected', 'NotImplemented', 'CALLERROR'] as const) {
      it(`a station that answers ${answer} is asked once, quietly; its ports stay unknown`, async () => {
        const { h, st, lines } = await restartedStation(version, answer);
        await eventually(() => triggers(st).length > 0, 'a TriggerMessage');
        await eventually(
          () => lines.some((l) => l.msg === 'port status not triggered'),
          'the refusal noted at debug',
        );
        // The connection is fine and the server serves it; nothing more was asked.
        expect(await st.heartbeat()).toBeGreaterThan(0);
        expect(triggers(st)).toHaveLength(1);
        expect(h.server.ports().map((p) => p.status)).toEqual(['unknown', 'unknown']);
        expect(lines.filter((l) => l.level >= 40)).toEqual([]);
        expect(lines.find((l) => l.msg === 'port status not triggered')!.level).toBe(20);
      });
    }

    it('is not asked again when its ports are known (a reconnection within the same run)', async () => {
      const { h, st } = await restartedStation(version, 'Accepted');
      await eventually(() => h.server.ports().every((p) => p.status === 'available'), 'ports known');
      await st.reconnect();
      expect(await st.heartbeat()).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(triggers(st)).toHaveLength(2);
    });
  });
}
