import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import { NoSessionError, StationOfflineError, UnknownPortError, UnknownStationError } from './ocpp-errors.ts';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { eventually, startHarness } from './testing/ocpp-harness.ts';

let h: Harness | undefined;
let st: SimulatedStation | undefined;
afterEach(async () => {
  await st?.close();
  await h?.dispose();
});

describe.each<OcppVersion>(['1.6', '2.0.1'])('operator commands over OCPP %s', (version) => {
  it('reach the station and come back with its answer', async () => {
    h = await startHarness({
      stations: [
        { id: 'CP1', ports: 2, version },
        { id: 'CP9', version },
      ],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    st = new SimulatedStation({ url: h.url, stationId: 'CP1', version, ports: 2 });
    await st.connect();
    const cmd = h.server.commands;

    await st.plugIn(1);
    expect((await cmd.remoteStart('CP1-1', 'REMOTE')).status).toBe('Accepted');
    await eventually(
      () => h!.server.port('CP1-1')!.sessionId !== undefined && st!.port(1).tx,
      'remote-started session',
    );
    expect((await cmd.remoteStop('CP1-1')).status).toBe('Accepted');
    await eventually(() => h!.server.port('CP1-1')!.sessionId === undefined, 'remote-stopped session');
    await expect(cmd.remoteStop('CP1-1')).rejects.toBeInstanceOf(NoSessionError);

    expect((await cmd.reset('CP1', 'soft')).status).toBe('Accepted');
    expect((await cmd.changeAvailability({ stationId: 'CP1', portId: 'CP1-2' }, false)).status).toBe(
      'Accepted',
    );
    await eventually(() => h!.server.port('CP1-2')!.status === 'unavailable', 'port unavailable');

    const key = version === '1.6' ? 'MeterValueSampleInterval' : 'SampledDataCtrlr.TxUpdatedInterval';
    expect((await cmd.setConfiguration('CP1', key, '15')).status).toBe('Accepted');
    const entries = await cmd.getConfiguration('CP1', [key, version === '1.6' ? 'Bogus' : 'Bogus.Thing']);
    expect(entries[0]).toMatchObject({ key, value: '15', status: 'Accepted' });
    expect(entries[1]!.status).toBe('UnknownVariable');

    expect((await cmd.triggerMessage('CP1', 'Heartbeat')).status).toBe('Accepted');
    expect((await cmd.unlockConnector('CP1-1')).status).toBe('Unlocked');

    const composite = await cmd.getCompositeSchedule('CP1-1', 600);
    expect(composite.status).toBe('Accepted');
    // 40 A over four ports (CP1 and CP9 have two each): a 10 A fail-safe default.
    expect(composite.schedule!.periods[0]!.limit).toBe(10);
    expect((await cmd.clearChargingProfile('CP1-1', 'default')).status).toBe('Accepted');
    expect(st.currentLimitA(1)).toBe(32);
    // With its default cleared the port may draw its maximum again.
    expect(h.server.effectiveLimitA('CP1-1')).toBe(32);

    await expect(cmd.reset('CP9', 'hard')).rejects.toBeInstanceOf(StationOfflineError);
    await expect(cmd.reset('CPX', 'hard')).rejects.toBeInstanceOf(UnknownStationError);
    await expect(cmd.unlockConnector('nope')).rejects.toBeInstanceOf(UnknownPortError);
  });
});
