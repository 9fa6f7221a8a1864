import { describe, expect, it } from 'vitest';
import type { DriverNeeds, PortSnapshot, StationGateway } from '../contracts/station-gateway.ts';
import { DriverNeedsBook, withDriverNeeds } from './driver-needs.ts';

const port = { portId: 'CP1/1', sessionId: 7 } as PortSnapshot; // only the fields the book reads
const needs: DriverNeeds = { atMs: 1, by: 'test', departureMs: 2, energyWh: 3, meterWh: 4 };

/** A gateway whose methods record their calls; `optional` adds the optional ones. */
function recordingGateway(optional: boolean): { gateway: StationGateway; calls: string[] } {
  const calls: string[] = [];
  const gateway: StationGateway = {
    on: () => {
      calls.push('on');
      return () => undefined;
    },
    applySetpoint: () => {
      calls.push('applySetpoint');
      return Promise.resolve('accepted' as const);
    },
    effectiveLimitA: () => {
      calls.push('effectiveLimitA');
      return 16;
    },
    port: () => port,
    ports: () => [port],
    ...(optional && {
      restrictPort: () => {
        calls.push('restrictPort');
        return Promise.resolve('Accepted');
      },
      setFailSafeDefaults: () => {
        calls.push('setFailSafeDefaults');
      },
    }),
  };
  return { gateway, calls };
}

describe('withDriverNeeds', () => {
  it("forwards every other method to the gateway, the optional ones included, with the gateway's this", async () => {
    const { gateway, calls } = recordingGateway(true);
    const g = withDriverNeeds(gateway, new DriverNeedsBook({ open: () => new Map(), save: async () => {} }));
    g.on('port-status', () => {});
    await g.applySetpoint('CP1/1', 10);
    g.effectiveLimitA('CP1/1');
    await g.restrictPort?.('CP1/1', 'stop');
    g.setFailSafeDefaults?.(new Map());
    expect(calls).toEqual(['on', 'applySetpoint', 'effectiveLimitA', 'restrictPort', 'setFailSafeDefaults']);
  });

  it('leaves out an optional method the gateway lacks, so callers see that it cannot', () => {
    const { gateway } = recordingGateway(false);
    const g = withDriverNeeds(gateway, new DriverNeedsBook({ open: () => new Map(), save: async () => {} }));
    expect('restrictPort' in g).toBe(false);
    expect('setFailSafeDefaults' in g).toBe(false);
  });

  it("puts the session's needs on the port snapshots", () => {
    const { gateway } = recordingGateway(false);
    const book = new DriverNeedsBook({ open: () => new Map([[7, needs]]), save: async () => {} });
    const g = withDriverNeeds(gateway, book);
    expect(g.port('CP1/1')?.driverNeeds).toEqual(needs);
    expect(g.ports()[0]?.driverNeeds).toEqual(needs);
  });
});
