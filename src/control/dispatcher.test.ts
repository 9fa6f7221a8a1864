import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type {
  GatewayEventName,
  GatewayEvents,
  PortSnapshot,
  SetpointResult,
  StationGateway,
} from '../contracts/station-gateway.ts';
import { VirtualClock } from '../sim/world/virtual-clock.ts';
import type { DispatchRecord, IncreaseLimiter } from './dispatcher.ts';
import { Dispatcher, INCREASES_PER_TURN, SENDS_PER_TURN } from './dispatcher.ts';

interface Call {
  readonly portId: string;
  readonly currentA: number;
  readonly atMs: number;
  answer(r: SetpointResult): void;
}

/**
 * A gateway whose every answer the test gives by hand. Its effective limit is what the station may run
 * under: the accepted limit (the fail-safe default at first), or higher while a call is unanswered.
 */
class HandGateway implements StationGateway {
  readonly calls: Call[] = [];
  readonly connected = new Map<string, boolean>();
  private readonly accepted = new Map<string, number>();
  constructor(
    private readonly clock: VirtualClock,
    private readonly failSafe: Record<string, number>,
  ) {}
  on<E extends GatewayEventName>(_event: E, _listener: (e: GatewayEvents[E]) => void): () => void {
    return () => {};
  }
  applySetpoint(portId: string, currentA: number): Promise<SetpointResult> {
    return new Promise((resolve) => {
      this.calls.push({
        portId,
        currentA,
        atMs: this.clock.nowMs(),
        answer: (r) => {
          if (r === 'accepted') this.accepted.set(portId, currentA);
          resolve(r);
        },
      });
    });
  }
  effectiveLimitA(portId: string): number {
    const inFlight = this.pending.filter((c) => c.portId === portId).map((c) => c.currentA);
    return Math.max(this.accepted.get(portId) ?? this.failSafe[portId] ?? 0, ...inFlight);
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
      effectiveLimitA: this.effectiveLimitA(portId),
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

/**
 * The ports share one supply of `capacityA`: an increase goes as far as the room left with every port counted
 * at its hold (core/ramp.ts does this per circuit and phase; its own tests cover that).
 */
function sharedSupply(d: Dispatcher, portIds: readonly string[], capacityA: number): IncreaseLimiter {
  return (requests) => {
    let room = capacityA - portIds.reduce((sum, id) => sum + d.holdA(id), 0);
    const out = new Map<string, number>();
    for (const r of requests) {
      const hold = d.holdA(r.portId);
      const value = Math.min(r.toA, hold + Math.max(0, room));
      out.set(r.portId, value);
      room -= Math.max(0, value - hold);
    }
    return out;
  };
}

/**
 * A dispatcher over ports a, b, c on a supply of `capacityA` (unlimited by default), driven like the control
 * loop drives it: `run(targets)` updates it, and runs again with the same targets when a decrease settled
 * while an increase was short of its target.
 */
function setup(
  failSafe: Record<string, number> = { a: 10, b: 10, c: 10 },
  capacityA = Infinity,
  { sessionsSeen = true } = {},
) {
  const clock = new VirtualClock(0);
  const g = new HandGateway(clock, failSafe);
  const d = new Dispatcher(g, clock, pino({ level: 'silent' }), {
    deadBandA: 0.5,
    carResponseMs: 5000,
    setpointExpiryMs: 60_000,
  });
  const records: DispatchRecord[] = [];
  d.onRecord((r) => records.push(r));
  const limiter = sharedSupply(d, Object.keys(failSafe), capacityA);
  let last = new Map<string, number>();
  let short = 0;
  const run = (t: ReadonlyMap<string, number>): number => {
    last = new Map(t);
    short = d.update(t, limiter);
    return short;
  };
  d.onSettled(() => {
    if (short > 0) run(last);
  });
  // Sessions started under this dispatcher: their stations run their fail-safe default.
  if (sessionsSeen) for (const id of Object.keys(failSafe)) d.forget(id);
  return { clock, g, d, records, run };
}

const targets = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

/** The default setup after a decrease of port a to 6 A that the station answered with `answer` (not accepted). */
async function failedDecrease(answer: SetpointResult) {
  const s = setup();
  s.run(targets({ a: 6 }));
  s.g.answerAll(answer);
  await s.clock.flush();
  return s;
}

describe('Dispatcher', () => {
  it('does not send an increase within the dead band; sends every decrease, and 0 → running always', () => {
    const { g, run } = setup({ a: 10, b: 0, c: 10 });
    run(targets({ a: 10.4, b: 0, c: 10 }));
    expect(g.open()).toEqual([]);
    run(targets({ a: 10.5, b: 0.2, c: 9.9 }));
    // A 0.1 A decrease is sent: a hundred ports each 0.4 A over their allocation are 40 A over a limit.
    // With room to spare the increases go out at once.
    expect(g.open()).toEqual(['c=9.9', 'a=10.5', 'b=0.2']);
  });

  it('an increase waits for the room that decreases make: until they are confirmed and cars had carResponseMs', async () => {
    const { clock, g, d, records, run } = setup({ a: 10, b: 10, c: 10 }, 30);
    expect(run(targets({ a: 6, b: 16, c: 6 }))).toBe(1);
    expect(g.open()).toEqual(['a=6', 'c=6']);
    expect(d.decreasesInFlight).toBe(2);
    await clock.advanceBy(300);
    g.answerOne('a'); // a confirmed at 300; c still in flight
    await clock.flush();
    expect(d.holdA('a')).toBe(10); // its car may still draw 10 A
    await clock.advanceBy(4999);
    expect(g.open()).toEqual(['c=6']);
    await clock.advanceBy(1); // 5 300: a's car followed; c still counts at 10
    expect(d.holdA('a')).toBe(6);
    expect(g.open()).toEqual(['c=6', 'b=14']);
    g.answerOne('b');
    await clock.advanceBy(5000);
    g.answerAll(); // c confirmed at 10 300
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=16']);
    expect(g.pending[0]!.atMs).toBe(15_300);
    g.answerAll();
    await clock.flush();
    expect(records.map((r) => [r.portId, r.currentA, r.decrease, r.result])).toEqual([
      ['a', 6, true, 'accepted'],
      ['b', 14, false, 'accepted'],
      ['c', 6, true, 'accepted'],
      ['b', 16, false, 'accepted'],
    ]);
    expect(d.inForceA('b')).toBe(16);
  });

  it('a decrease elsewhere does not hold back an increase that fits beside it', () => {
    // 40 A for three ports at 10 A: 10 A of room. c's decrease is unconfirmed, b's increase fits anyway
    // (the old rule held every increase until every decrease had settled: at 2,000 ports never).
    const { g, run } = setup({ a: 10, b: 10, c: 10 }, 40);
    expect(run(targets({ a: 10, b: 16, c: 6 }))).toBe(0);
    expect(g.open()).toEqual(['c=6', 'b=16']);
  });

  it('a wall clock stepped forward does not send increases before cars had carResponseMs', async () => {
    const { clock, g, run } = setup({ a: 10, b: 10, c: 10 }, 30);
    run(targets({ a: 6 }));
    g.answerAll(); // a confirmed at 0
    await clock.flush();
    clock.stepWallClock(60_000); // an NTP step forward, 1 s after the confirmation
    await clock.advanceBy(1000);
    run(targets({ a: 6, b: 14 }));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(3999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=14']);
  });

  it('a wall clock stepped back does not hold increases for the length of the step', async () => {
    const { clock, g, run } = setup({ a: 10, b: 10, c: 10 }, 30);
    run(targets({ a: 6 }));
    g.answerAll(); // a confirmed at 0
    await clock.flush();
    clock.stepWallClock(-3_600_000);
    run(targets({ a: 6, b: 14 }));
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=14']);
  });

  it('a later decrease of the same port restarts its wait, from the highest limit it had', async () => {
    const { clock, g, d, run } = setup({ a: 10, b: 10, c: 10 }, 30);
    run(targets({ a: 8 }));
    g.answerAll(); // a 10 → 8 at 0
    await clock.advanceBy(3000);
    run(targets({ a: 6, b: 14 }));
    g.answerAll(); // a 8 → 6 at 3 000: its car may still draw 10 A until 8 000
    await clock.flush();
    expect(d.holdA('a')).toBe(10);
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['b=14']);
  });

  it('a decrease in flight counts at the limit before it, even when the station takes a lower default meanwhile', async () => {
    // a runs under its 16 A fail-safe default (no TxProfile yet). The run sends it 8 A; before the answer, the
    // station accepts a lower fail-safe default (8 A, re-sent because the limits fell), so the gateway's
    // effective limit drops to 8 A while a's car may still draw 16 A: the decrease holds it at 16 A until
    // accepted, and then for carResponseMs.
    const failSafe = { a: 16, b: 16, c: 16 };
    const { clock, g, d, run } = setup(failSafe, 48);
    run(targets({ a: 8 }));
    expect(g.open()).toEqual(['a=8']);
    failSafe.a = 8;
    expect(g.effectiveLimitA('a')).toBe(8);
    expect(d.holdA('a')).toBe(16);
    g.answerAll();
    await clock.flush();
    expect(d.holdA('a')).toBe(16);
    await clock.advanceBy(5000);
    expect(d.holdA('a')).toBe(8);
  });

  it('a port under its fail-safe default counts at the old default until its car could follow a lower one', async () => {
    // a runs under its 16 A default (no TxProfile yet). The limits fall and its station takes an 8 A default:
    // its car may draw 16 A until it follows (carResponseMs), so b's increase may not count on those 8 A.
    const failSafe = { a: 16, b: 16, c: 16 };
    const { clock, g, d, run } = setup(failSafe, 48);
    run(new Map());
    failSafe.a = 8;
    expect(g.effectiveLimitA('a')).toBe(8);
    run(targets({ b: 24 }));
    expect(d.holdA('a')).toBe(16);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(4999);
    expect(d.holdA('a')).toBe(16);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(d.holdA('a')).toBe(8);
    expect(g.open()).toEqual(['b=24']);
  });

  it('an accepted probe of an uncontrolled port holds it at what it was counted at until its car could follow', async () => {
    const { clock, g, d } = setup({ a: 10, b: 10, c: 10 }, 30);
    // a refused profiles and was counted at 32 A (its maximum): its car may draw that when the probe is taken.
    d.probe('a', 10, 32);
    g.answerAll();
    await clock.flush();
    expect(d.holdA('a')).toBe(32);
    await clock.advanceBy(4999);
    expect(d.holdA('a')).toBe(32);
    await clock.advanceBy(1);
    expect(d.holdA('a')).toBe(10);
  });

  it('a rejected decrease pins the port (it counts at its old limit) and is retried until accepted', async () => {
    const { clock, g, d, records, run } = setup({ a: 10, b: 10, c: 10 }, 34);
    run(targets({ a: 6 }));
    g.answerAll('rejected');
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(true);
    expect(records.at(-1)).toMatchObject({ portId: 'a', result: 'rejected' });
    // The control loop counts a at its old limit and leaves it out of the targets, so b's share already
    // allows for a: it may go out. a's decrease is retried after a backoff (1 s, doubling), so a station
    // that keeps refusing is not hammered.
    run(targets({ b: 14 }));
    expect(g.open()).toEqual(['b=14']);
    g.answerAll('accepted');
    await clock.flush();
    run(targets({ b: 14 }));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1000);
    run(targets({ b: 14 }));
    expect(g.open()).toEqual(['a=6']);
    g.answerAll('accepted');
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(false);
    run(targets({ a: 6, b: 14 }));
    await clock.advanceBy(5000);
    expect(g.open()).toEqual([]);
  });

  it('a wall clock stepped back does not hold the retry of a rejected decrease for the length of the step', async () => {
    const { clock, g, run } = await failedDecrease('rejected');
    clock.stepWallClock(-3_600_000);
    await clock.advanceBy(1000);
    run(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a timed-out decrease is retried too', async () => {
    const { clock, g, d, run } = await failedDecrease('timeout');
    expect(d.hasFailedDecrease('a')).toBe(true);
    await clock.advanceBy(1000);
    run(targets({}));
    expect(g.open()).toEqual(['a=6']);
    // A second failure doubles the wait.
    g.answerAll('timeout');
    await clock.flush();
    await clock.advanceBy(1000);
    run(targets({}));
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1000);
    run(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a failed decrease is not retried while its station is offline, and is once it is back', async () => {
    const { clock, g, run } = await failedDecrease('timeout');
    g.connected.set('a', false);
    for (let i = 0; i < 5; i++) run(targets({}));
    expect(g.open()).toEqual([]);
    g.connected.set('a', true);
    await clock.advanceBy(1000);
    run(targets({}));
    expect(g.open()).toEqual(['a=6']);
  });

  it('a failed decrease whose session ended is dropped, not retried forever (no-session answer)', async () => {
    const { clock, g, d, run } = await failedDecrease('rejected');
    await clock.advanceBy(1000);
    run(targets({}));
    g.answerAll('no-session'); // the retry: the transaction is gone
    await clock.flush();
    expect(d.hasFailedDecrease('a')).toBe(false);
    run(targets({}));
    expect(g.open()).toEqual([]);
  });

  it('re-asserts a port whose limit in force is unknown (after a restart), first no higher than its default', async () => {
    // No session events seen: the stations may still run TxProfiles of the previous process.
    const { clock, g, run } = setup({ a: 10, b: 10, c: 10 }, Infinity, { sessionsSeen: false });
    expect(run(targets({ a: 10.2, b: 6, c: 16 }))).toBe(1);
    // a: 10.2 is within the dead band of its default: re-asserted at the default, not raised later.
    expect(g.open()).toEqual(['a=10', 'b=6', 'c=10']);
    g.answerAll();
    await clock.advanceBy(4999);
    expect(g.open()).toEqual([]);
    await clock.advanceBy(1);
    expect(g.open()).toEqual(['c=16']);
  });
});

describe(`at most ${INCREASES_PER_TURN} increases a turn of the event loop, decreases never held`, () => {
  const ids = Array.from({ length: 2 * INCREASES_PER_TURN + 20 }, (_, i) => `p${i}`);
  const at = (a: number): Map<string, number> => new Map(ids.map((id) => [id, a]));

  it('sends the first increases at once and the rest in the next turns, in order', async () => {
    const { clock, g, run } = setup(Object.fromEntries(ids.map((id) => [id, 10])));
    run(at(16));
    expect(g.open()).toEqual(ids.slice(0, INCREASES_PER_TURN).map((id) => `${id}=16`));
    await clock.advanceBy(1);
    expect(g.open()).toEqual(ids.slice(0, 2 * INCREASES_PER_TURN).map((id) => `${id}=16`));
    await clock.advanceBy(1);
    expect(g.open()).toEqual(ids.map((id) => `${id}=16`));
    await clock.advanceBy(1);
    expect(g.calls).toHaveLength(ids.length);
  });

  it('sends every decrease at once, and a decrease drops the increase still waiting for its port', async () => {
    const { clock, g, run } = setup(Object.fromEntries(ids.map((id) => [id, 10])));
    run(at(6));
    expect(g.open()).toHaveLength(ids.length); // all decreases, in one turn
    g.answerAll();
    run(at(16));
    expect(g.open()).toHaveLength(INCREASES_PER_TURN);
    const last = ids.at(-1)!;
    // Before its turn came, the last port's target falls again: its decrease goes out now, its raise never.
    run(new Map([...at(16), [last, 4]]));
    expect(g.open().at(-1)).toBe(`${last}=4`);
    for (let i = 0; i < 4; i++) await clock.advanceBy(1);
    expect(g.calls.filter((c) => c.portId === last).map((c) => c.currentA)).toEqual([6, 4]);
    expect(g.calls.filter((c) => c.currentA === 16)).toHaveLength(ids.length - 1);
  });

  it(`sends at most ${SENDS_PER_TURN} decreases a turn, the rest in the next turns, before an increase`, async () => {
    const many = Array.from({ length: 2 * SENDS_PER_TURN + 10 }, (_, i) => `q${i}`);
    const { clock, g, d, run } = setup(Object.fromEntries([...many, 'up'].map((id) => [id, 10])));
    run(new Map([...many.map((id): [string, number] => [id, 6]), ['up', 16]]));
    expect(g.open()).toEqual(many.slice(0, SENDS_PER_TURN).map((id) => `${id}=6`));
    // A decrease still waiting counts at the limit before it, as one on its way does.
    expect(d.holdA(many.at(-1)!)).toBe(10);
    // Targets fall again before their turn: the newer values take the old ones' places in the queue.
    const first = many[SENDS_PER_TURN]!;
    run(new Map([...many.map((id): [string, number] => [id, 6]), [first, 5], [many.at(-1)!, 4], ['up', 16]]));
    expect(g.open()).toHaveLength(SENDS_PER_TURN);
    await clock.advanceBy(1);
    const upTo = (n: number): string[] => many.slice(0, n).map((id) => `${id}=${id === first ? 5 : 6}`);
    expect(g.open()).toEqual(upTo(2 * SENDS_PER_TURN));
    await clock.advanceBy(1);
    // The last decreases, then the increase (unlimited room: it waited only for its turn).
    expect(g.calls.slice(2 * SENDS_PER_TURN).map((c) => `${c.portId}=${c.currentA}`)).toEqual([
      ...many.slice(2 * SENDS_PER_TURN, -1).map((id) => `${id}=6`),
      `${many.at(-1)!}=4`,
      'up=16',
    ]);
  });

  it('counts a waiting increase at its new value from the start (it may go out any moment)', () => {
    const { g, d, run } = setup(Object.fromEntries(ids.map((id) => [id, 10])));
    run(at(16));
    const last = ids.at(-1)!;
    expect(g.open().some((o) => o.startsWith(`${last}=`))).toBe(false);
    expect(d.holdA(last)).toBe(16);
  });
});
