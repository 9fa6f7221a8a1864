/**
 * A cloud profile caps the allocation (issue 11): the port gets the lower of Fusebox's share and the cloud's
 * limit, the current it frees goes to the other ports, and `limitedBy` says "cloud profile".
 */
import { describe, expect, it } from 'vitest';
import { bigCar, SimHarness } from '../control/testing/sim-harness.ts';
import { DEFAULT_CONTROL_OPTIONS } from '../control/control-options.ts';
import { describeLimitedBy } from '../core/explain.ts';
import { CloudProfiles } from './cloud-profiles.ts';
import { slmSite } from '../control/testing/scenario-sites.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** One 45 A circuit, three single-port stations of 32 A. */
const SITE = slmSite(['a', 'b', 'x'], { name: 'cloud', limitA: 45 });

const cap10 = {
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 77,
    stackLevel: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      startSchedule: new Date(T0).toISOString(),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
    },
  },
};

describe('ControlLoop with cloud caps', () => {
  function withCloud() {
    const h = new SimHarness({ site: SITE, startMs: T0 });
    const cloud = new CloudProfiles({
      site: SITE.site,
      port: (id) => h.gateway.port(id),
      logger: h.logger,
      now: () => h.clock.nowMs(),
      onChange: () => h.loop.requestRun('cloud profile'),
    });
    h.loop.setCloudCaps(cloud);
    const a = () => h.loop.snapshot()!.allocation.find((x) => x.portId === 'a/1')!;
    return { h, cloud, a };
  }

  it('a 10 A cloud cap lowers one port, the others get what it frees; cleared, all are equal again', async () => {
    const { h, cloud } = withCloud();
    for (const id of ['a', 'b', 'x']) h.world.addEv(`${id}/1`, bigCar(id, T0));
    await h.advanceBy(60_000);
    const byPort = () => new Map(h.loop.snapshot()!.allocation.map((a) => [a.portId, a]));
    expect([...byPort().values()].map((a) => a.currentA)).toEqual([15, 15, 15]);

    expect(cloud.set('a', '1.6', cap10)).toBe('Accepted');
    await h.advanceBy(60_000);
    let now = byPort();
    expect(now.get('a/1')!.currentA).toBe(10);
    expect(now.get('a/1')!.limitedBy).toEqual({ kind: 'cloud-profile' });
    expect(describeLimitedBy(now.get('a/1')!.limitedBy)).toBe('cloud profile');
    expect(now.get('b/1')!.currentA).toBe(17.5);
    expect(now.get('x/1')!.currentA).toBe(17.5);
    // The station got the lower limit too, and the site never went over its 45 A.
    expect(h.gateway.stationLimitA('a/1')).toBe(10);
    expect(h.world.violations()).toEqual([]);

    expect(cloud.clear('a', '1.6', { id: 77 })).toBe('Accepted');
    await h.advanceBy(60_000);
    now = byPort();
    expect([...now.values()].map((a) => a.currentA)).toEqual([15, 15, 15]);
    expect(now.get('a/1')!.limitedBy.kind).not.toBe('cloud-profile');
    expect(h.world.violations()).toEqual([]);
  });

  it("a cloud cap below a port's fail-safe default lowers that default, and raises it back when cleared", async () => {
    const { h, cloud } = withCloud();
    await h.advanceBy(60_000);
    // 45 A shared by three ports when Fusebox is away: 15 A each.
    expect([...h.loop.failSafeDefaults()]).toEqual([
      ['a/1', 15],
      ['b/1', 15],
      ['x/1', 15],
    ]);
    expect(cloud.set('a', '1.6', cap10)).toBe('Accepted');
    await h.advanceBy(60_000);
    expect([...h.loop.failSafeDefaults()]).toEqual([
      ['a/1', 10],
      ['b/1', 15],
      ['x/1', 15],
    ]);
    expect(cloud.clear('a', '1.6', { id: 77 })).toBe('Accepted');
    // A rise waits until the limits have been steady for failSafeRaiseAfterMs (60 s by default)...
    await h.advanceBy(30_000);
    expect(h.loop.failSafeDefaults().get('a/1')).toBe(10);
    // ...and then comes without any other event (a run is scheduled for it).
    await h.advanceBy(31_000);
    expect(h.loop.failSafeDefaults().get('a/1')).toBe(15);
  });

  it('a drop of a cloud schedule reaches the allocation and the fail-safe default ahead of it (the schedule lead), a rise when it starts', async () => {
    const { h, cloud, a } = withCloud();
    for (const id of ['a', 'b', 'x']) h.world.addEv(`${id}/1`, bigCar(id, T0));
    await h.advanceBy(60_000);
    // 32 A, 10 A from T0 + 95.5 s (between two periodic runs, every 10 s), 32 A again from T0 + 155.5 s.
    const dropAt = T0 + 95_500;
    const riseAt = T0 + 155_500;
    const lead = DEFAULT_CONTROL_OPTIONS.scheduleLeadMs;
    const profile = structuredClone(cap10);
    profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = [
      { startPeriod: 0, limit: 32 },
      { startPeriod: 95, limit: 10 },
      { startPeriod: 155, limit: 32 },
    ];
    profile.csChargingProfiles.chargingSchedule.startSchedule = new Date(T0 + 500).toISOString();
    expect(cloud.set('a', '1.6', profile)).toBe('Accepted');
    await h.advanceBy(dropAt - lead - h.clock.nowMs() - 200);
    expect(a().currentA).toBe(15);
    expect(h.loop.failSafeDefaults().get('a/1')).toBe(15);
    await h.advanceBy(300);
    expect(a().currentA).toBe(10);
    expect(a().limitedBy).toEqual({ kind: 'cloud-profile' });
    expect(h.loop.failSafeDefaults().get('a/1')).toBe(10);
    // Held until the rise starts, not lifted ahead of it.
    await h.advanceBy(riseAt - h.clock.nowMs() - 200);
    expect(a().currentA).toBe(10);
    await h.advanceBy(300);
    expect(a().currentA).toBe(15);
    expect(h.world.violations()).toEqual([]);
  });

  it('a relative cloud schedule (from the start of the transaction) steps on time too, its drop ahead of it', async () => {
    const { h, cloud, a } = withCloud();
    for (const id of ['a', 'b', 'x']) h.world.addEv(`${id}/1`, bigCar(id, T0));
    await h.advanceBy(60_000);
    const started = h.gateway.ports().find((p) => p.portId === 'a/1')!.sessionStartedAtMs!;
    const lead = DEFAULT_CONTROL_OPTIONS.scheduleLeadMs;
    const profile = structuredClone(cap10) as {
      csChargingProfiles: Record<string, unknown> & { chargingSchedule: Record<string, unknown> };
    };
    profile.csChargingProfiles.chargingProfileKind = 'Relative';
    delete profile.csChargingProfiles.chargingSchedule.startSchedule;
    // 32 A for the first 125 s of the transaction, then 10 A.
    profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod = [
      { startPeriod: 0, limit: 32 },
      { startPeriod: 125, limit: 10 },
    ];
    expect(cloud.set('a', '1.6', profile)).toBe('Accepted');
    const dropAt = started + 125_000;
    await h.advanceBy(dropAt - lead - h.clock.nowMs() - 200);
    expect(a().currentA).toBe(15);
    await h.advanceBy(300);
    expect(a().currentA).toBe(10);
    expect(h.loop.failSafeDefaults().get('a/1')).toBe(10);
  });
});
