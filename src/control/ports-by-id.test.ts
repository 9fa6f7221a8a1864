import { describe, expect, it } from 'vitest';
import type { PortSnapshot } from '../contracts/station-gateway.ts';
import { portsById } from './dispatcher.ts';

describe('portsById (a control run finds its port snapshots by id without a map)', () => {
  const snap = (portId: string): PortSnapshot => ({
    portId,
    stationId: portId,
    connectorId: 1,
    connected: true,
    status: 'charging',
    sessionId: 1,
    failSafeA: 6,
    effectiveLimitA: 6,
  });
  const index = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 2],
  ]);

  it("finds each port by the site's index when the list is in the site's order", () => {
    const ports = [snap('a'), snap('b'), snap('c')];
    const byId = portsById(index, ports);
    expect(byId.get('b')).toBe(ports[1]);
    expect(byId.get('c')).toBe(ports[2]);
    expect(byId.get('x')).toBeUndefined();
    expect([...byId.values()]).toEqual(ports);
  });

  it('still finds the right snapshot when the list is in another order or misses a port, or the site has a port more', () => {
    const ports = [snap('c'), snap('a'), snap('d')];
    const byId = portsById(index, ports);
    expect(byId.get('a')).toBe(ports[1]);
    expect(byId.get('c')).toBe(ports[0]);
    expect(byId.get('d')).toBe(ports[2]);
    expect(byId.get('b')).toBeUndefined();
  });
});
