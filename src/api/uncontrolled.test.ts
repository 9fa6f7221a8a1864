/**
 * A port whose station does not take limits, as the API and the metrics show it: a real Fusebox, its 2.0.1
 * station simulated over real OCPP, answering every SetChargingProfile with a CALLERROR NotImplemented.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- assertions read JSON bodies */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { useApiFixture } from './testing/api-fixture.ts';

const { f, victor } = useApiFixture({ login: ['victor'] });

describe('an uncontrolled port in the API and the metrics', () => {
  it('GET /ports flags it with its reason and what it counts at; /metrics has it by reason', async () => {
    // Its fail-safe default is refused at its boot: the port is at its maximum from the start.
    const st = await f.station('st-2', 1, { refuseProfiles: 'NotImplemented' });
    const portOf = async (): Promise<any> => {
      const r = await f.call('GET', '/api/v1/ports', { headers: victor });
      expect(r.status).toBe(200);
      return r.body.ports.find((p: { stationId: string }) => p.stationId === 'st-2');
    };
    const idle = await eventually(async () => {
      const p = await portOf();
      return p.uncontrolled ? p : undefined;
    }, 'the idle port flagged uncontrolled');
    expect(idle.uncontrolled).toMatchObject({
      reason: 'not-implemented',
      countedA: 0,
      retryAt: expect.any(String),
    });
    await st.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await st.start(1, 'TAG');
    // It was flagged while idle already: wait for the control run that counts its session.
    const port = await eventually(async () => {
      const p = await portOf();
      return p.uncontrolled?.countedA === 32 ? p : undefined;
    }, 'the port with its session counted at 32 A');
    expect(port.uncontrolled).toMatchObject({
      reason: 'not-implemented',
      reasonText: 'station does not implement charging profiles',
      countedA: 32,
      restricted: null,
    });
    expect(port.uncontrolled.detail).toMatch(/NotImplemented/);
    expect(port.limitedBy).toEqual({ kind: 'uncontrolled', reason: 'not-implemented', countedA: 32 });
    expect(port.reason).toBe('uncontrolled: station does not implement charging profiles; counted at 32 A');
    expect(port.limitA).toBe(32);

    const metrics = await f.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      new RegExp(`^fusebox_port_uncontrolled\\{port="${port.id}",reason="not-implemented"\\} 1$`, 'm'),
    );
    expect(metrics.text).toMatch(
      new RegExp(`^fusebox_port_uncontrolled_counted_amperes\\{port="${port.id}"\\} 32$`, 'm'),
    );

    // It takes profiles again: the next try is accepted, the flag and the metric go.
    st.refuseProfiles = undefined;
    await eventually(async () => (await portOf()).uncontrolled === null, 'the port under control', 15_000);
    const after = await f.call('GET', '/metrics');
    expect(after.text).not.toMatch(/^fusebox_port_uncontrolled\{/m);
    expect(f.logLines.filter((l) => l.includes('response does not match its schema'))).toEqual([]);
  }, 30_000);
});
