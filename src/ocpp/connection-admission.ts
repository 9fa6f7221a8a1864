/**
 * Who may connect: a refused connection is logged and stored (a bounded number a minute), and a station id
 * that is already connected is taken over only when the old connection no longer answers a ping.
 */
import type { OcppContext } from './ocpp-context.ts';
import { recordEvent } from './ocpp-context.ts';
import type { StationConnection } from './station-connection.ts';

/** Refused connections logged and stored per minute; beyond, only debug logs see them. */
const MAX_LOGGED_REFUSALS_PER_MINUTE = 30;
/**
 * A connected station whose id another connection claims must answer a ping within this long to keep it, in
 * ms; a rebooted station whose old TCP connection is half-open gets back in after this long.
 */
const TAKEOVER_PING_TIMEOUT_MS = 2000;

export class ConnectionAdmission {
  private readonly refusalBudget = new PerMinuteBudget(MAX_LOGGED_REFUSALS_PER_MINUTE);
  /** Station ids whose connection is being pinged because another connection claims the id. */
  private readonly probing = new Set<string>();

  /** `drop` closes the server's side of a connection that was replaced. */
  constructor(
    private readonly ctx: OcppContext,
    private readonly drop: (conn: StationConnection, code: number, reason: string) => void,
  ) {}

  /** A refused connection: logged and stored, a bounded number a minute (refusals are what an attacker controls). */
  refused(identity: string, remoteAddress: string | undefined, httpStatus: number, reason: string): void {
    const { ctx } = this;
    if (!this.refusalBudget.take(ctx.now())) {
      ctx.log.debug({ stationId: identity, remoteAddress, reason }, 'station connection refused');
      return;
    }
    ctx.log.warn({ stationId: identity, remoteAddress, reason }, 'station connection refused');
    recordEvent(ctx, {
      level: 'warn',
      kind: 'station-refused',
      stationId: identity.slice(0, 48),
      message: `connection refused (${httpStatus}): ${reason}`,
      data: { remoteAddress },
    });
  }

  /**
   * A station id that is already connected: the new connection is refused (returns why) while the station's
   * connection answers a ping within TAKEOVER_PING_TIMEOUT_MS; one that does not (the station rebooted and
   * its old TCP connection is half-open) is dropped and the new connection takes its place.
   */
  async claimIdentity(stationId: string, remoteAddress: string | undefined): Promise<string | undefined> {
    const { ctx } = this;
    const previous = ctx.connections.get(stationId);
    if (!previous) return undefined;
    if (this.probing.has(stationId)) return 'station already connected; its connection is being checked';
    this.probing.add(stationId);
    let alive: boolean;
    try {
      alive = await previous.answersPing(TAKEOVER_PING_TIMEOUT_MS);
    } finally {
      this.probing.delete(stationId);
    }
    if (alive)
      return `station already connected (from ${previous.remoteAddress ?? 'unknown address'}, answering pings)`;
    if (ctx.connections.get(stationId) !== previous) return undefined;
    const message =
      `connection from ${previous.remoteAddress ?? 'unknown address'} did not answer a ping within ` +
      `${TAKEOVER_PING_TIMEOUT_MS / 1000} s: replaced by a new connection from ${remoteAddress ?? 'unknown address'}`;
    ctx.log.warn({ stationId, remoteAddress, previousAddress: previous.remoteAddress }, message);
    recordEvent(ctx, {
      level: 'warn',
      kind: 'station-replaced',
      stationId,
      message,
      data: { remoteAddress, previousAddress: previous.remoteAddress },
    });
    await previous.terminate().catch(() => undefined);
    this.drop(previous, 1006, 'replaced: did not answer a ping');
    return undefined;
  }
}

/** At most `limit` per clock minute. */
class PerMinuteBudget {
  private minute = -1;
  private used = 0;

  constructor(private readonly limit: number) {}

  take(nowMs: number): boolean {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = 0;
    }
    return this.used++ < this.limit;
  }
}
