import { describe, expect, it } from 'vitest';
import { loadSiteConfigText } from '../../config/load.ts';
import type { CompiledSite } from '../../core/compiled-site.ts';
import type { GatewayEventName, GatewayEvents } from '../../contracts/station-gateway.ts';
import { GATEWAY_EVENT_NAMES } from '../../contracts/station-gateway.ts';
import { EvModel } from '../world/ev-model.ts';
import type { SimGatewayOptions } from './sim-gateway.ts';
import { SimGateway } from './sim-gateway.ts';
import { VirtualClock } from '../world/virtual-clock.ts';

const YAML = `
site: { name: t, timeZone: Europe/Berlin }
circuits:
  - { id: c, limitA: 32 }
stations:
  - { id: a, circuit: c, phases: L2L3L1 }
  - { id: b, circuit: c }
`;

function site(): CompiledSite {
  const r = loadSiteConfigText(YAML, 't.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.compiled;
}

function setup(opts: SimGatewayOptions = {}) {
  const clock = new VirtualClock(1_000_000);
  const g = new SimGateway(site(), clock, { setpointLatencyMs: 100, callTimeoutMs: 2000, ...opts });
  const events: { name: GatewayEventName; e: unknown }[] = [];
  for (const name of GATEWAY_EVENT_NAMES) g.on(name, (e) => events.push({ name, e }));
  const of = <E extends GatewayEventName>(name: E): GatewayEvents[E][] =>
    events.filter((x) => x.name === name).map((x) => x.e as GatewayEvents[E]);
  return { clock, g, events, of };
}

const car = (phases: 1 | 3 = 3, maxCurrentA = 32): EvModel =>
  new EvModel({
    id: 'ev',
    batteryKwh: 60,
    socPct: 20,
    phases,
    maxCurrentA,
    arrivalMs: 0,
    responseDelayMs: 1000,
    startDelayMs: 1000,
  });

describe('SimGateway', () => {
  it('ports start under their fail-safe default, safe with all drawing it', () => {
    const { g } = setup();
    expect(g.ports().map((p) => [p.portId, p.failSafeA, p.effectiveLimitA, p.connected, p.status])).toEqual([
      ['a/1', 16, 16, true, 'available'],
      ['b/1', 16, 16, true, 'available'],
    ]);
    expect(g.stationLimitA('a/1')).toBe(16);
  });

  it('a plug-in starts a session; the car draws the default, then what is accepted, after its delay', async () => {
    const { clock, g, of } = setup({ meterValuesIntervalMs: 5000 });
    const ev = car();
    const sessionId = g.plugIn('a/1', ev);
    expect(of('session-started')).toMatchObject([{ portId: 'a/1', sessionId }]);
    expect(g.port('a/1')).toMatchObject({ sessionId, status: 'suspended-ev' });
    await clock.advanceBy(1000);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(16);
    expect(of('port-status').at(-1)).toMatchObject({ portId: 'a/1', status: 'charging' });

    const answer = g.applySetpoint('a/1', 10, { expiresAfterMs: 60_000 });
    expect(g.effectiveLimitA('a/1')).toBe(16); // unconfirmed: the higher of old and new
    await clock.advanceBy(100);
    await expect(answer).resolves.toBe('accepted');
    expect(g.stationLimitA('a/1')).toBe(10);
    expect(g.effectiveLimitA('a/1')).toBe(10);
    await clock.advanceBy(999);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(16);
    await clock.advanceBy(1);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(10);

    await clock.advanceBy(5000);
    const mv = of('meter-values').at(-1)!;
    expect(mv).toMatchObject({ portId: 'a/1', sessionId, currentA: [10, 10, 10], maxCurrentA: 10 });
    expect(mv.conductorsInUse).toEqual([true, true, true]);
    expect(mv.powerKw).toBeCloseTo(6.9, 6);
    expect(mv.energyWh).toBeGreaterThan(0);
    expect(of('setpoint')).toMatchObject([
      { portId: 'a/1', currentA: 10, result: 'accepted', renewal: false },
    ]);
  });

  it('a single-phase car on a three-phase port draws on the first conductor only', async () => {
    const { clock, g, of } = setup({ meterValuesIntervalMs: 2000 });
    g.plugIn('a/1', car(1, 16));
    await clock.advanceBy(2000);
    expect(of('meter-values').at(-1)).toMatchObject({
      currentA: [16, 0, 0],
      conductorsInUse: [true, false, false],
    });
    expect(g.portDraws()).toEqual([{ portId: 'a/1', conductorA: [16, 0, 0] }]);
  });

  it('a rejected setpoint leaves the old limit; an unanswered one counts at the higher until it expires', async () => {
    const { clock, g } = setup({ renewAtFraction: 0 });
    g.plugIn('a/1', car());
    g.setStationBehaviour('a', 'reject');
    const rejected = g.applySetpoint('a/1', 8, { expiresAfterMs: 60_000 });
    await clock.advanceBy(100);
    await expect(rejected).resolves.toBe('rejected');
    expect(g.stationLimitA('a/1')).toBe(16);
    expect(g.effectiveLimitA('a/1')).toBe(16);

    g.setStationBehaviour('a', 'no-answer');
    const silent = g.applySetpoint('a/1', 30, { expiresAfterMs: 60_000 });
    await clock.advanceBy(1999);
    expect(g.effectiveLimitA('a/1')).toBe(30);
    await clock.advanceBy(1);
    await expect(silent).resolves.toBe('timeout');
    expect(g.stationLimitA('a/1')).toBe(16); // it never applied it...
    expect(g.effectiveLimitA('a/1')).toBe(30); // ...but Fusebox cannot know: it counts until expiry
    await clock.advanceBy(58_000);
    expect(g.effectiveLimitA('a/1')).toBe(16);
  });

  it('a late station applies a profile after Fusebox timed out; a reboot drops its profiles', async () => {
    const { clock, g } = setup({ lateAnswerMs: 500 });
    g.plugIn('a/1', car());
    g.setStationBehaviour('a', 'late');
    const late = g.applySetpoint('a/1', 10, { expiresAfterMs: 60_000 });
    await clock.advanceBy(2000);
    await expect(late).resolves.toBe('timeout');
    expect(g.stationLimitA('a/1')).toBe(16); // not yet...
    expect(g.effectiveLimitA('a/1')).toBe(16); // Fusebox counts the higher of the two
    await clock.advanceBy(500);
    expect(g.stationLimitA('a/1')).toBe(10); // ...then the late answer: the profile is in force
    g.rebootStation('a');
    expect(g.stationLimitA('a/1')).toBe(16); // back on its fail-safe default
    expect(g.port('a/1')!.connected).toBe(true);
  });

  it('answers offline, no-session and unknown-port without waiting', async () => {
    const { g } = setup();
    await expect(g.applySetpoint('a/1', 10)).resolves.toBe('no-session');
    await expect(g.applySetpoint('zz/9', 10)).resolves.toBe('unknown-port');
    g.plugIn('a/1', car());
    g.setStationOnline('a', false);
    await expect(g.applySetpoint('a/1', 10)).resolves.toBe('offline');
  });

  it('a profile expires and the station falls back to its default by itself; near expiry both count', async () => {
    const { clock, g } = setup({ renewAtFraction: 0, expiryMarginMs: 10_000 });
    const ev = car();
    g.plugIn('a/1', ev);
    const p = g.applySetpoint('a/1', 8, { expiresAfterMs: 30_000 });
    await clock.advanceBy(100);
    await p;
    await clock.advanceBy(19_899); // 19.999 s after sending: 10.001 s left
    expect(g.effectiveLimitA('a/1')).toBe(8);
    await clock.advanceBy(2); // within the margin: the default may already apply
    expect(g.effectiveLimitA('a/1')).toBe(16);
    expect(g.stationLimitA('a/1')).toBe(8);
    await clock.advanceBy(10_000);
    expect(g.stationLimitA('a/1')).toBe(16);
    await clock.advanceBy(1000);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(16);
  });

  it('renews a setpoint before it expires, as the OCPP server does', async () => {
    const { clock, g, of } = setup({ renewAtFraction: 0.5, renewCheckMs: 1000 });
    g.plugIn('a/1', car());
    void g.applySetpoint('a/1', 8, { expiresAfterMs: 10_000 });
    await clock.advanceBy(60_000);
    expect(g.stationLimitA('a/1')).toBe(8);
    const renewals = of('setpoint').filter((e) => e.renewal);
    expect(renewals.length).toBeGreaterThanOrEqual(10);
    expect(renewals.every((e) => e.result === 'accepted' && e.currentA === 8)).toBe(true);
  });

  it('a station that drops keeps its car under the profile until expiry, then the default; calls in flight time out', async () => {
    const { clock, g, of } = setup({ renewAtFraction: 0.5, renewCheckMs: 1000, meterValuesIntervalMs: 1000 });
    const ev = car();
    g.plugIn('a/1', ev);
    void g.applySetpoint('a/1', 8, { expiresAfterMs: 20_000 });
    await clock.advanceBy(2000);
    const inFlight = g.applySetpoint('a/1', 6, { expiresAfterMs: 20_000 });
    g.setStationOnline('a', false);
    await expect(inFlight).resolves.toBe('timeout');
    expect(of('station-disconnected')).toMatchObject([{ stationId: 'a' }]);
    expect(g.port('a/1')!.connected).toBe(false);
    const mvBefore = of('meter-values').length;
    await clock.advanceBy(10_000);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(8); // the profile still in force
    expect(of('meter-values').length).toBe(mvBefore); // nothing reaches Fusebox
    await clock.advanceBy(20_000);
    g.step(clock.nowMs());
    expect(ev.currentA).toBe(16); // expired: the default
    g.setStationOnline('a', true);
    expect(of('station-connected')).toMatchObject([{ stationId: 'a' }]);
    await clock.advanceBy(3000); // the gateway re-applies the lapsed setpoint
    g.step(clock.nowMs());
    expect(g.stationLimitA('a/1')).toBe(6);
    expect(ev.currentA).toBe(6);
  });

  it('Fusebox killed: nothing renewed, answers lost; back: sessions reported, old profiles unknown to it', async () => {
    const { clock, g, of } = setup({ renewAtFraction: 0.5, renewCheckMs: 1000 });
    const ev = car();
    g.plugIn('a/1', ev);
    void g.applySetpoint('a/1', 8, { expiresAfterMs: 20_000 });
    await clock.advanceBy(1000);
    const lost = g.applySetpoint('a/1', 10, { expiresAfterMs: 20_000 });
    g.fuseboxDown();
    let answered = false;
    void lost.then(() => (answered = true));
    await clock.advanceBy(1000);
    expect(answered).toBe(false);
    expect(g.stationLimitA('a/1')).toBe(10); // the station got it before Fusebox died
    g.plugIn('b/1', car()); // while Fusebox is down
    const startedBefore = of('session-started').length;
    await clock.advanceBy(30_000);
    expect(g.stationLimitA('a/1')).toBe(16); // expired, not renewed
    g.fuseboxUp();
    expect(of('station-connected').map((e) => e.stationId)).toEqual(['a', 'b']);
    expect(
      of('session-started')
        .slice(startedBefore)
        .map((e) => e.portId),
    ).toEqual(['b/1']);
    expect(g.port('a/1')).toMatchObject({ connected: true, effectiveLimitA: 16 });
    expect(g.port('a/1')!.sessionId).toBeDefined();
  });

  it('a session stops when the car leaves; its profile dies with it', async () => {
    const { clock, g, of } = setup();
    const ev = car();
    g.plugIn('b/1', ev);
    const p = g.applySetpoint('b/1', 8);
    await clock.advanceBy(5000);
    await p;
    g.unplug('b/1');
    expect(of('session-stopped')).toMatchObject([{ portId: 'b/1', reason: 'EVDisconnected' }]);
    expect(g.stationLimitA('b/1')).toBe(16);
    expect(g.port('b/1')).toMatchObject({ status: 'available', sessionId: undefined });
    expect(g.portDraws()).toEqual([]);
  });

  it("a station runs a profile by its own clock and stamps its reports with it, checked against Fusebox's", async () => {
    const { clock, g, of } = setup({ meterValuesIntervalMs: 5000 });
    const sessionId = g.plugIn('a/1', car());
    const set = async (a: number): Promise<string> =>
      (await Promise.all([g.applySetpoint('a/1', a, { expiresAfterMs: 600_000 }), clock.advanceBy(100)]))[0];
    expect(await set(10)).toBe('accepted');
    expect(g.stationLimitA('a/1')).toBe(10);
    // Its clock steps an hour ahead: the profile's validTo (Fusebox's time + 10 min) has passed for it.
    g.stepStationClock('a', 3_600_000);
    expect(g.stationLimitA('a/1')).toBe(16);
    await clock.advanceBy(5000);
    // Its meter value is stamped an hour ahead: more than CLOCK_AHEAD_MS, so Fusebox's receive time is used.
    expect(of('meter-values').at(-1)).toMatchObject({ sessionId, atMs: 1_005_000 });
    // Back on time, and Fusebox's clock a day ahead: the next profile starts tomorrow for the station.
    g.stepStationClock('a', -3_600_000);
    clock.stepWallClock(86_400_000);
    expect(await set(8)).toBe('accepted');
    expect(g.stationLimitA('a/1')).toBe(16);
    expect(g.effectiveLimitA('a/1')).toBe(8); // what Fusebox believes: see docs/operations.md
  });
});
