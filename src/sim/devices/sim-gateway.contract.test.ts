/** SimGateway passes the station gateway contract the real OcppServer passes, in virtual time. */
import { compileSite } from '../../core/compiled-site.ts';
import type { StationAnswerMode } from '../../contracts/testing/station-gateway-contract.ts';
import { stationGatewayContract } from '../../contracts/testing/station-gateway-contract.ts';
import { harnessSite } from '../../ocpp/testing/ocpp-harness.ts';
import { EvModel } from '../world/ev-model.ts';
import type { StationBehaviour } from './sim-gateway.ts';
import { SimGateway } from './sim-gateway.ts';
import { VirtualClock } from '../world/virtual-clock.ts';

const BEHAVIOUR: Record<StationAnswerMode, StationBehaviour> = {
  accept: 'accept',
  reject: 'reject',
  'no-answer': 'no-answer',
};
/** Virtual time let pass per step while waiting, and at most, in ms. */
const STEP_MS = 100;
const DEADLINE_MS = 10 * 60_000;

stationGatewayContract('SimGateway', () => {
  const site = harnessSite([{ id: 'CP1', ports: 2 }], 40);
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 8));
  const gateway = new SimGateway(compileSite(site), clock, { callTimeoutMs: 3000 });
  // Fusebox starts while the station is away; the test connects it.
  gateway.fuseboxDown();
  gateway.setStationOnline('CP1', false);
  gateway.fuseboxUp();
  const until = async <T>(predicate: () => T | undefined | false, what: string): Promise<T> => {
    const deadline = clock.monotonicMs() + DEADLINE_MS;
    for (;;) {
      const v = predicate();
      if (v !== undefined && v !== false) return v;
      if (clock.monotonicMs() > deadline) throw new Error(`timed out waiting for ${what}`);
      await clock.advanceBy(STEP_MS);
    }
  };
  return Promise.resolve({
    gateway,
    site,
    stationId: 'CP1',
    connect() {
      gateway.setStationOnline('CP1', true);
      return Promise.resolve();
    },
    startSession(portId) {
      const ev = new EvModel({
        id: `ev-${portId}`,
        batteryKwh: 60,
        socPct: 20,
        phases: 3,
        maxCurrentA: 32,
        arrivalMs: clock.nowMs(),
      });
      gateway.plugIn(portId, ev);
      return Promise.resolve();
    },
    stopSession(portId) {
      gateway.unplug(portId);
      return Promise.resolve();
    },
    answer(mode) {
      gateway.setStationBehaviour('CP1', BEHAVIOUR[mode]);
    },
    disconnect() {
      gateway.setStationOnline('CP1', false);
      return Promise.resolve();
    },
    async settle<T>(p: Promise<T>): Promise<T> {
      let done: { value: T } | undefined;
      let failed: { err: unknown } | undefined;
      p.then(
        (value) => (done = { value }),
        (err: unknown) => (failed = { err }),
      );
      await until(() => done !== undefined || failed !== undefined, 'the answer');
      if (failed) throw failed.err;
      return done!.value;
    },
    until,
    dispose() {
      gateway.fuseboxDown();
      return Promise.resolve();
    },
  });
});
