import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type {
  GatewayEventName,
  GatewayEvents,
  PortSnapshot,
  SetpointResult,
  StationGateway,
} from '../ocpp/station-gateway.ts';
import { VirtualClock } from '../sim/virtual-clock.ts';
import type { DispatchRecord } from './dispatcher.ts';
import { Dispatcher } from './dispatcher.ts';

interface Call {
  readonly portId: string;
  readonly currentA: number;
  readonly atMs: number;
  answer(r: SetpointResult): void;
}

/** A gateway whose every answer the test gives by hand. */
class HandGateway implements StationGateway {
  readonly calls: Call[] = [];
  readonly connected = new Map<string, boolean>();
  constructor(
    private readonly clock: VirtualClock,
    private readonly failSafe: Record<string, number>,
  ) {}
  on<E extends GatewayEventName>(_event: E, _listener: (e: GatewayEvents[E]) => void): () => void {
    return () => {};
  }
  applySetpoint(portId: string, currentA: number): Promise<SetpointResult> {
    return new Promise((resolve) => {
      this.calls.push({ portId, currentA, atMs: this.clock.nowMs(), answer: resolve });
    });
  }
  effectiveLimitA(portId: string): number {
    return this.failSafe[portId] ?? 0;
  }
  port(portId: string): PortSnapshot | undefined {
    if (!(portId in this.failSafe)) return undefined;
    return {
      portId,
      stationId: portId,
      connectorId: 1,
      connected: this.connected.get(portId) ?? true,
      status: 'charging',
      sessionId: 1,
      failSafeA: this.failSafe[portId]!,
      effectiveLimitA: this.failSafe[portId]!,
    };
  }
  ports(): readonly PortSnapshot[] {
    return Object.keys(this.failSafe).map((id) => this.port(id)!);
  }
  /** Calls not answered yet, as "port=value". */
  open(): string[] {
    return this.pending.map((c) => `${c.portId}=${c.currentA}`);
  }
  get pending(): Call[] {
    return this.calls.filter((c) => !this.answered.has(c));
  }
  private readonly answered = new Set<Call>();
  answerOne(portId: string, r: SetpointResult = 'accepted'): void {
    const c = this.pending.find((x) => x.portId === portId)!;
    this.answered.add(c);
    c.answer(r);
  }
  answerAll(r: SetpointResult = 'accepted'): void {
    for (const c of this.pending) {
      this.answered.add(c);
      c.answer(r);
    }
  }
}

function setup(failSafe: Record<string, number> = { a: 10, b: 10, c: 10 }) {
  const clock = new VirtualClock(0);
  const g = new HandGateway(clock, failSafe);
  const d = new Dispatcher(g, clock, pino({ level: 'silent' }), {
    deadBandA: 0.5,
    carResponseMs: 5000,
    setpointExpiryMs: 60_000,
  });
  const records: DispatchRecord[] = [];
  d.onRecord((r) => records.push(r));
  // Sessions started under this dispatcher: their stations run their fail-safe default.
  for (const id of Object.keys(failSafe)) d.forget(id);
  return { clock, g, d, records };
}

const targets = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

describe('Dispatcher', () => {
  it('does not send an increase within the dead band; sends every decrease, and 0 → running always', async () => {
    const { clock, g, d } = setup({ a: 10, b: 0, c: 10 });
    d.update(targets({ a: 10.4, b: 0, c: 10 }));
    expect(g.open()).toEqual([]);
    d.update(targets({ a: 10.5, b: 0.2, c: 9.9 }));
    // A 0.1 A decrease is sent: a hundred ports each 0.4 A over their allocation are 40 A over a limit.
    expect(g.open()).toEqual(['c=9.9']);
    g.answerAll();
    await clock.advanceBy(5000);
    expect(g.open()).toEqual(['a=10.5', 'b=0.2']);
  });

  it('sends decreases at once and increases only after the decreases are confirmed and cars had carResponseMs', async () => {
    const { clock, g, d, records } = setup();
    d.update(targets({ a: 6, b: 16, c: 6 }));
    expect(g.open()).toEqual(['a=6', 'c=6']);
    expect(d.decreasesInFlight).toBe(2);
    await clock.advanceBy(300);
    g.answerOne('a'); // a confirmed at 300; c still in flight
    await clock.advanceBy(10_000);
    expect(g.open()).toEqual(['c=6']); // no increase while a decrease is unconfirmed
    g.answerAll(); // c confirmed at 10 300
    await clock.flush();
    expect(g.open()).toEqual([]);
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=16']);
    expect(g.pending[0]!.atMs).toBe(15_300);
    g.answerAll();
    await clock.flush();
    expect(records.map((r) => [r.portId, r.currentA, r.decrease, r.result])).toEqual([
      ['a', 6, true, 'accepted'],
      ['c', 6, true, 'accepted'],
      ['b', 16, false, 'accepted'],
    ]);
    expect(d.inForceA('b')).toBe(16);
  });

  it('a wall clock stepped forward does not send increases before cars had carResponseMs', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll(); // a confirmed at 0
    await clock.flush();
    clock.stepWallClock(60_000); // an NTP step forward, 1 s after the confirmation
    await clock.advanceBy(1000);
    d.update(targets({ a: 6, b: 16 }));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(3999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=16']);
  });

  it('a wall clock stepped back does not hold increases for the length of the step', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll(); // a confirmed at 0
    await clock.flush();
    clock.stepWallClock(-3_600_000);
    d.update(targets({ a: 6, b: 16 }));
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=16']);
  });

  it('a newer target replaces a pending increase; a later decrease holds increases again', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll();
    await clock.advanceBy(1000);
    d.update(targets({ a: 6, b: 14 }));
    d.update(targets({ a: 6, b: 12 }));
    await clock.advanceBy(3000); // 4000 after a's confirmation
    d.update(targets({ a: 6, b: 12, c: 7 }));
    g.answerAll(); // c confirmed at 4000
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=12']);
  });

  it('a rejected decrease pins the port (it counts at its old limit) and is retried until accepted', async () => {
    const { clock, g, d, records } = setup();
    d.update(targets({ a: 6, b: 14 }));
    g.answerAll('rejected');
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(true);
    expect(records.at(-1)).toMatchObject({ portId: 'a', result: 'rejected' });
    // The control loop counts a at its old limit and leaves it out of the targets, so b's share already
    // allows for a: it may go out. a's decrease is retried after a backoff (1 s, doubling), so a station
    // that keeps refusing is not hammered.
    d.update(targets({ b: 14 }));
    expect(g.open()).toEqual(['b=14']);
    g.answerAll('accepted');
    await clock.flush();
    d.update(targets({ b: 14 }));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1000);
    d.update(targets({ b: 14 }));
    expect(g.open()).toEqual(['a=6']);
    g.answerAll('accepted');
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(false);
    d.update(targets({ a: 6, b: 14 }));
    await clock.advanceBy(5000);
    expect(g.open()).toEqual([]);
  });

  it('a wall clock stepped back does not hold the retry of a rejected decrease for the length of the step', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll('rejected');
    await clock.flush();
    clock.stepWallClock(-3_600_000);
    await clock.advanceBy(1000);
    d.update(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a timed-out decrease is retried too', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll('timeout');
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(true);
    await clock.advanceBy(1000);
    d.update(targets({}));
    expect(g.open()).toEqual(['a=6']);
    // A second failure doubles the wait.
    g.answerAll('timeout');
    await clock.flush();
    await clock.advanceBy(1000);
    d.update(targets({}));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1000);
    d.update(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a failed decrease is not retried while its station is offline, and is once it is back', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll('timeout');
    await clock.flush();
    g.connected.set('a', false);
    for (let i = 0; i < 5; i++) d.update(targets({}));
    expect(g.open()).toEqual([]);
    g.connected.set('a', true);
    await clock.advanceBy(1000);
    d.update(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a failed decrease whose session ended is dropped, not retried forever (no-session answer)', async () => {
    const { clock, g, d } = setup();
    d.update(targets({ a: 6 }));
    g.answerAll('rejected');
    await clock.flush();
    await clock.advanceBy(1000);
    d.update(targets({}));
    g.answerAll('no-session'); // the retry: the transaction is gone
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(false);
    d.update(targets({}));
    expect(g.open()).toEqual([]);
  });

  it('re-asserts a port whose limit in force is unknown (after a restart), first no higher than its default', async () => {
    const clock = new VirtualClock(0);
    const g = new HandGateway(clock, { a: 10, b: 10, c: 10 });
    const d = new Dispatcher(g, clock, pino({ level: 'silent' }), {
      deadBandA: 0.5,
      carResponseMs: 5000,
      setpointExpiryMs: 60_000,
    });
    // No session events seen: the stations may still run TxProfiles of the previous process.
    d.update(targets({ a: 10.2, b: 6, c: 16 }));
    // a: 10.2 is within the dead band of its default: re-asserted at the default, not raised later.
    expect(g.open()).toEqual(['a=10', 'b=6', 'c=10']);
    g.answerAll();
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['c=16']);
  });
});
