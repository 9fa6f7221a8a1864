import { describe, expect, it } from 'vitest';
import { CALTECH_AB, CALTECH_BC, caltechNetwork } from './caltech-network.ts';
import { constraintValues } from '../../core/planner/network.ts';
import { NetworkLoad } from './network-load.ts';
import { caltechCompiledSite } from './scenario.ts';
import { networkFromSite, withLineModel } from '../../core/planner/site-network.ts';
import { compileSite } from '../../core/compiled-site.ts';
import { seededRandom } from './testing-workload.ts';

describe('networks', () => {
  for (const lineModel of ['linear', 'phasor'] as const) {
    it(`examples/caltech-acn.yaml with the ${lineModel} line model, through the core's factors, is acnportal's ${lineModel === 'linear' ? 'linearized' : 'exact'} Caltech network`, () => {
      for (const c of [10, 60, 150]) {
        const site = compileSite(withLineModel(caltechCompiledSite().site, lineModel));
        const fromSite = networkFromSite(site, c).network;
        const acn = caltechNetwork(c, { exact: lineModel === 'phasor' });
        expect(fromSite.exact).toBe(lineModel === 'phasor');
        const rnd = seededRandom(c);
        const aSite = new Float64Array(fromSite.evses.length);
        const aAcn = new Float64Array(acn.evses.length);
        const acnIndex = new Map(acn.evses.map((e, i) => [e.id, i]));
        fromSite.evses.forEach((e, i) => {
          const a = rnd() * 32;
          aSite[i] = a;
          aAcn[acnIndex.get(e.id.split('/')[0]!)!] = a;
        });
        const vs = constraintValues(fromSite, aSite);
        const va = constraintValues(acn, aAcn);
        for (const [k, con] of acn.constraints.entries()) {
          const j = fromSite.constraints.findIndex(
            (x) => x.circuitId === con.circuitId && x.phase === con.phase,
          );
          expect(j, con.id).toBeGreaterThanOrEqual(0);
          expect(vs[j], `${con.id} at ${c} kW`).toBeCloseTo(va[k]!, 6);
          // The site's scaled limits are the model's (to 0.01 %).
          expect(fromSite.constraints[j]!.limitA / con.limitA).toBeCloseTo(1, 3);
        }
      }
    });
  }

  it('the exact phasor model allows at least what the linear one does (headroom)', () => {
    const exact = caltechNetwork(40, { exact: true });
    const linear = caltechNetwork(40, { exact: false });
    const le = new NetworkLoad(exact);
    const ll = new NetworkLoad(linear);
    const rnd = seededRandom(3);
    const ids = [...CALTECH_AB.slice(0, 6), ...CALTECH_BC.slice(0, 6)];
    for (const id of ids) {
      const i = exact.evses.findIndex((e) => e.id === id);
      const a = Math.min(rnd() * 20, ll.headroomA(i));
      le.add(i, a);
      ll.add(i, a);
      expect(le.headroomA(i)).toBeGreaterThanOrEqual(ll.headroomA(i) - 1e-9);
    }
  });

  it('headroom is exact: filling it reaches a limit without passing it', () => {
    const net = caltechNetwork(20, { exact: true });
    const load = new NetworkLoad(net);
    const amps = new Float64Array(net.evses.length);
    for (let i = 0; i < net.evses.length; i += 3) {
      const h = Math.min(load.headroomA(i), 32);
      load.add(i, h);
      amps[i] = h;
    }
    const values = constraintValues(net, amps);
    let tight = 0;
    net.constraints.forEach((c, k) => {
      expect(values[k]).toBeLessThanOrEqual(c.limitA);
      if (values[k]! > c.limitA * (1 - 1e-6)) tight++;
    });
    expect(tight).toBeGreaterThan(0);
  });
});
