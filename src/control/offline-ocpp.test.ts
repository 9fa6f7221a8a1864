/**
 * A station that drops while Fusebox runs, over real sockets: its empty ports count at their fail-safe
 * default (a car may plug in there and charge under it unseen), and the other station's car gets only what
 * remains until it is back.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../ocpp/testing/ocpp-harness.ts';
import { loopPerTest } from './testing/ocpp-loop.ts';

const ocpp = loopPerTest();

describe('a station that drops while Fusebox runs, over real OCPP', () => {
  it('counts its empty ports at their default until it is back; the other car gets the rest', async () => {
    // 40 A circuit, two stations of two 32 A ports: fail-safe default 10 A each.
    const h = await ocpp.start({
      stations: [
        { id: 'CP1', ports: 2, version: '1.6' },
        { id: 'CP2', ports: 2, version: '2.0.1' },
      ],
      circuitLimitA: 40,
      settings: { acceptUnknownIdTags: true },
    });
    const loop = ocpp.loop(h, {
      // Cars follow at once here (no physics): no need to wait 5 s before an increase.
      options: { coalesceMs: 5, carResponseMs: 0 },
    });
    const cp1 = ocpp.station({ url: h.url, stationId: 'CP1', version: '1.6', ports: 2 });
    const cp2 = ocpp.station({ url: h.url, stationId: 'CP2', version: '2.0.1', ports: 2 });
    await cp1.connect();
    await cp2.connect();
    await eventually(() => cp1.currentLimitA(1) === 10 && cp1.currentLimitA(2) === 10, 'CP1 defaults');
    await cp2.plugIn(1);
    await cp2.start(1, 'T');
    await eventually(() => cp2.currentLimitA(1) === 32, 'the car alone gets 32 A');

    await cp1.close(); // CP1 goes away; a car could now plug in there and draw its 10 A default unseen
    await eventually(() => cp2.currentLimitA(1) === 20, 'the car makes room for CP1’s two defaults');
    const fixed = loop.snapshot()!.fixed;
    expect(fixed).toEqual([
      { portId: 'CP1-1', conductorA: [10, 10, 10] },
      { portId: 'CP1-2', conductorA: [10, 10, 10] },
    ]);

    await cp1.connect({ boot: false }); // back, its ports idle: the car may have all of it again
    await eventually(() => cp2.currentLimitA(1) === 32, 'the car back to 32 A');
    expect(loop.snapshot()!.fixed).toEqual([]);
  });
});
