/**
 * The set-up the control loop's OCPP tests share (vitest only): ocppPerTest's harnesses and stations, and
 * control loops on a harness's server and site (system clock, silent log), started at once; after each test
 * the loops stop first, then the stations and harnesses close.
 */
import { pino } from 'pino';
import { systemClock } from '../../clock.ts';
import { compileSite } from '../../core/compiled-site.ts';
import type { Harness } from '../../ocpp/testing/ocpp-harness.ts';
import type { OcppPerTest } from '../../ocpp/testing/ocpp-per-test.ts';
import { ocppPerTest } from '../../ocpp/testing/ocpp-per-test.ts';
import type { ControlLoopDeps } from '../control-loop-deps.ts';
import { ControlLoop } from '../control-loop.ts';

export interface LoopPerTest extends OcppPerTest {
  /** A started control loop on `h`'s server and site; `deps` adds to (or replaces) what it is given. */
  loop(h: Harness, deps?: Partial<ControlLoopDeps>): ControlLoop;
}

export function loopPerTest(): LoopPerTest {
  const loops: ControlLoop[] = [];
  const ocpp = ocppPerTest(() => {
    for (const l of loops.splice(0)) l.stop();
  });
  return Object.assign(ocpp, {
    loop(h: Harness, deps: Partial<ControlLoopDeps> = {}): ControlLoop {
      const loop = new ControlLoop({
        site: compileSite(h.site),
        gateway: h.server,
        clock: systemClock,
        logger: pino({ level: 'silent' }),
        ...deps,
      });
      loops.push(loop);
      loop.start();
      return loop;
    },
  });
}
