/**
 * Warnings about what a station sent (implausible readings, a station clock that is off): logged and recorded
 * as events, rate-limited per station and kind.
 */
import type { OcppContext } from './ocpp-context.ts';
import { recordEvent } from './ocpp-context.ts';
import type { StationConnection } from './station-connection.ts';
import { StationClockSkew } from './station-clock.ts';
import { StationNotices, stationTime } from './station-input.ts';

export class InputNotices {
  /** Rate limit of the warnings about what a station sent (implausible readings, clock skew). */
  private readonly budget = new StationNotices();

  constructor(private readonly ctx: OcppContext) {}

  /**
   * The time to use for a station's timestamp (station-input.ts stationTime); a replaced one is logged and
   * recorded as a `station-clock` event, rate-limited per station. Every one counts in the station's clock
   * skew (station-clock.ts).
   */
  stationTime(
    conn: StationConnection,
    stationMs: number,
    receivedMs: number,
    what: string,
    portId: string | undefined,
    notBeforeMs?: number,
  ): number {
    let skew = this.ctx.stationClocks.get(conn.stationId);
    if (!skew) this.ctx.stationClocks.set(conn.stationId, (skew = new StationClockSkew()));
    skew.observe(stationMs, receivedMs);
    const verdict = stationTime(stationMs, receivedMs, notBeforeMs);
    if (verdict.problem !== undefined) {
      this.notice(
        conn,
        'station-clock',
        portId,
        `${what}${portId ? ` on ${portId}` : ''} stamped ${verdict.problem}: ` +
          `Fusebox used its receive time ${new Date(receivedMs).toISOString()} (is the station's clock set?)`,
      );
    }
    return verdict.atMs;
  }

  /** Values a station sent that its port cannot have measured: logged and recorded, rate-limited. */
  implausible(conn: StationConnection, portId: string | undefined, problems: readonly string[]): void {
    this.notice(
      conn,
      'implausible-meter-value',
      portId,
      `${portId ?? 'a connector that is no port'} reported ${problems.join('; ')}: not used`,
    );
  }

  private notice(conn: StationConnection, kind: string, portId: string | undefined, text: string): void {
    const { ctx } = this;
    const { log, suppressed } = this.budget.take(conn.stationId, kind, ctx.now());
    if (!log) return;
    const message = `station ${conn.stationId}: ${text}${
      suppressed ? ` (${suppressed} more since the last warning)` : ''
    }`;
    ctx.log.warn({ stationId: conn.stationId, portId, kind }, message);
    recordEvent(ctx, { level: 'warn', kind, stationId: conn.stationId, portId, message });
  }
}
