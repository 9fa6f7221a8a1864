/**
 * Switches only tests set (negative controls: the restart guard off, an offline station's empty ports at
 * 0 A, no uncontrolled-port rule, stations that ignore profile expiry) are not in the options production
 * code passes: `fusebox start` (FuseboxOptions.control) cannot turn a safety rule off. Checked by the type
 * checker: `npm run typecheck` fails on an unused @ts-expect-error, i.e. when one of them becomes settable.
 */
import { describe, expect, it } from 'vitest';
import type { FuseboxOptions } from '../app.ts';
import type { ControlOptions } from './control-options.ts';
import type { SimGatewayOptions } from '../sim/devices/sim-gateway.ts';

describe('test-only switches', () => {
  it('are not control options production code can set', () => {
    // @ts-expect-error -- restartGraceMs is a test switch (ControlTestSwitches), not a control option
    const a: Partial<ControlOptions> = { restartGraceMs: 0 };
    // @ts-expect-error -- countOfflineEmptyPorts is a test switch
    const b: Partial<ControlOptions> = { countOfflineEmptyPorts: false };
    // @ts-expect-error -- uncontrolledPorts is a test switch
    const c: Partial<ControlOptions> = { uncontrolledPorts: false };
    // @ts-expect-error -- FuseboxOptions.control takes control options only
    const d: FuseboxOptions['control'] = { countOfflineEmptyPorts: false };
    // @ts-expect-error -- ignoreExpiry is a test switch of the simulated gateway (SimGatewayTestSwitches)
    const e: SimGatewayOptions = { ignoreExpiry: true };
    // At run time the objects are plain values; the assertion above is the type checker's.
    expect([a, b, c, d, e].map((o) => typeof o)).toEqual(Array(5).fill('object'));
  });
});
