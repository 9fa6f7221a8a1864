import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedStation } from '../sim/devices/ocpp-station.ts';
import type { InboundCall, InboundHandler, InboundMiddleware } from './inbound-pipeline.ts';
import { compose, dispatch } from './inbound-pipeline.ts';
import type { Harness } from './testing/ocpp-harness.ts';
import { startHarness } from './testing/ocpp-harness.ts';

const call = (action: string): InboundCall => ({
  stationId: 'CP1',
  version: '1.6',
  action,
  payload: {},
  messageId: '1',
  signal: new AbortController().signal,
});

describe('the inbound pipeline', () => {
  it('dispatches by action and answers an unknown one with NotImplemented', async () => {
    const local = dispatch(
      new Map<string, InboundHandler>([['Heartbeat', () => Promise.resolve({ local: true })]]),
    );
    expect(await local(call('Heartbeat'))).toEqual({ local: true });
    await expect(local(call('Nope'))).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
  });

  it('runs middleware outermost first', async () => {
    const seen: string[] = [];
    const tag =
      (name: string): InboundMiddleware =>
      (next) =>
      async (c) => {
        seen.push(name);
        return next(c);
      };
    const handler = compose(() => Promise.resolve('done'), [tag('a'), tag('b')]);
    expect(await handler(call('X'))).toBe('done');
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('a relay-style middleware on a live server', () => {
  let h: Harness | undefined;
  let st: SimulatedStation | undefined;
  afterEach(async () => {
    await st?.close();
    await h?.dispose();
  });

  it('answers Authorize from "upstream" while it is up and falls back to Fusebox when it is away', async () => {
    let cloudUp = true;
    const relay: InboundMiddleware = (next) => async (c) => {
      if (c.action === 'Authorize' && cloudUp) return { idTagInfo: { status: 'Blocked' } };
      return next(c);
    };
    h = await startHarness({ middleware: [relay], settings: { acceptUnknownIdTags: true } });
    st = new SimulatedStation({ url: h.url, stationId: 'CP1', version: '1.6', ports: 2 });
    await st.connect();
    expect(await st.authorize('TAG')).toBe('Blocked');
    cloudUp = false;
    expect(await st.authorize('TAG')).toBe('Accepted');
  });
});
