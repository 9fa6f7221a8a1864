/**
 * A cloud charging profile as the API shows it: a real Fusebox whose 2.0.1 station (simulated over real OCPP)
 * charges a car; the cloud's 2.0.1 SetChargingProfile (handed to Fusebox as the relay would) caps the port.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, victor } = useApiFixture({ login: ['victor'] });

describe('a cloud profile in the API', () => {
  it('GET /ports shows the capped limit with limitedBy cloud-profile and the reason "cloud profile"', async () => {
    const st = await f.station('st-2', 1);
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG');
    const portOf = async (): Promise<any> => {
      const r = await f.call('GET', '/api/v1/ports', { headers: victor });
      expect(r.status).toBe(200);
      return r.body.ports.find((p: { stationId: string }) => p.stationId === 'st-2');
    };
    await eventually(
      async () => ((await portOf()).limitA > 10 ? true : undefined),
      'st-2 charging above 10 A',
    );

    const status = f.fusebox.cloudProfiles.set('st-2', '2.0.1', {
      evseId: 1,
      chargingProfile: {
        id: 500,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [
          {
            id: 1,
            startSchedule: new Date().toISOString(),
            chargingRateUnit: 'W',
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }],
          },
        ],
      },
    });
    expect(status).toBe('Accepted');
    const capped = await eventually(async () => {
      const p = await portOf();
      return p.limitedBy?.kind === 'cloud-profile' ? p : undefined;
    }, 'the port capped by the cloud profile');
    expect(capped.limitA).toBe(10);
    expect(capped.reason).toBe('cloud profile');
    const alloc = await f.call('GET', '/api/v1/allocation', { headers: victor });
    expect(alloc.status).toBe(200);
    expect(alloc.body.ports.find((p: { portId: string }) => p.portId === capped.id)).toMatchObject({
      currentA: 10,
      limitedBy: { kind: 'cloud-profile' },
      reason: 'cloud profile',
    });
    // The station got Fusebox's own profile at the capped current (it never sees the cloud's).
    await eventually(() => st.currentLimitA(1) === 10 || undefined, 'the station limited to 10 A');
    expect(st.profiles.all().some((p) => p.id === 500)).toBe(false);

    expect(f.fusebox.cloudProfiles.clear('st-2', '2.0.1', { chargingProfileId: 500 })).toBe('Accepted');
    await eventually(async () => {
      const p = await portOf();
      return p.limitedBy?.kind !== 'cloud-profile' && p.limitA > 10 ? true : undefined;
    }, 'the cap lifted');
  });
});
