/**
 * The replay of what Fusebox answered while the cloud was away (docs/proxy.md): per station the latest
 * boot, the queue in order (each delivery committed before the next: exactly once), then the latest
 * statuses and a heartbeat; a message the cloud refuses with a CALLERROR is kept as failed, not retried.
 */
import type { Logger } from 'pino';
import type { OcppVersion } from '../contracts/station-gateway.ts';
import { rpcErrorCode } from '../ocpp/rpc.ts';
import type { OutboxEntry, ProxyOutbox } from './proxy-outbox.ts';
import type { RecordEvent, Relay } from './relay.ts';
import type { UpstreamLink } from './upstream-link.ts';

/** A replay the cloud did not answer (timeout) is tried again after this long while the link stays up, in ms. */
const REPLAY_RETRY_MS = 2000;

export interface CloudReplayDeps {
  readonly outbox: ProxyOutbox;
  readonly log: Logger;
  readonly now: () => number;
  /** The relay is closed: no retry any more. */
  readonly closed: () => boolean;
  /** Remembers the cloud's authorization answer to a replayed message. */
  readonly cache: (version: OcppVersion, payload: unknown, answer: unknown) => Promise<void>;
  readonly event: RecordEvent;
}

export class CloudReplay {
  /** The replays running now (settled waits for them). */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly d: CloudReplayDeps) {}

  /** Starts the station's replay unless one runs or its link is not up. */
  kick(r: Relay): void {
    if (r.draining || r.link?.state !== 'connected') return;
    const run = this.drain(r).catch((err: unknown) =>
      this.d.log.error({ err, stationId: r.stationId }, 'replay to the cloud failed'),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /**
   * Resolves once no replay runs: after the relay is closed (`closed`), each stops after the message in flight,
   * whose answer it commits first.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Replays what was answered locally: the boot, the queue in order, then the latest statuses. */
  private async drain(r: Relay): Promise<void> {
    const outbox = this.d.outbox;
    const link = r.link!;
    r.draining = true;
    let sent = 0;
    let failed = 0;
    let stalled = true;
    try {
      if (r.pendingBoot !== undefined) {
        const boot = r.pendingBoot;
        if (!(await this.replayOne(link, 'BootNotification', boot))) return;
        if (r.pendingBoot === boot) r.pendingBoot = undefined;
      }
      for (let e = outbox.queueOf(r.stationId)[0]; e; e = outbox.queueOf(r.stationId)[0]) {
        if (this.d.closed()) return;
        const outcome = await this.replayEntry(r, e);
        if (outcome === 'retry') return;
        if (outcome === 'failed') failed++;
        else sent++;
      }
      for (const [key, payload] of [...r.latestStatus]) {
        if (!(await this.replayOne(link, 'StatusNotification', payload))) return;
        if (r.latestStatus.get(key) === payload) r.latestStatus.delete(key);
      }
      if (r.heartbeatOwed) {
        r.heartbeatOwed = false;
        await this.replayOne(link, 'Heartbeat', {});
      }
      stalled = false;
    } finally {
      r.draining = false;
      // Not answered while the link stays up (a hung cloud): try again later, the station may stay silent.
      if (stalled && !this.d.closed()) {
        const retry = setTimeout(() => this.kick(r), REPLAY_RETRY_MS);
        retry.unref();
      }
      if (sent + failed > 0)
        this.d.event(
          failed > 0 ? 'warn' : 'info',
          'upstream-replayed',
          r.stationId,
          `replayed ${sent} queued message${sent === 1 ? '' : 's'} to the cloud` +
            (failed > 0 ? `; ${failed} refused by the cloud (kept, not sent again)` : ''),
          { sent, failed },
        );
    }
    if (outbox.queueOf(r.stationId).length > 0) this.kick(r);
  }

  /** A collapsed message (boot, status, heartbeat): true when answered (a CALLERROR is logged and dropped). */
  private async replayOne(link: UpstreamLink, action: string, payload: unknown): Promise<boolean> {
    try {
      await link.call(action, payload);
      return true;
    } catch (err) {
      if (rpcErrorCode(err) === undefined) return false;
      this.d.log.warn({ err, action }, 'cloud refused a replayed message');
      return true;
    }
  }

  private async replayEntry(r: Relay, e: OutboxEntry): Promise<'sent' | 'failed' | 'retry'> {
    const outbox = this.d.outbox;
    const v16 = e.version === '1.6';
    let payload = v16 ? outbox.toCloudIds(r.stationId, e.action, e.payload, false) : e.payload;
    if (!v16 && e.action === 'TransactionEvent') payload = { ...(payload as object), offline: true };
    let answer: unknown;
    try {
      answer = await r.link!.call(e.action, payload);
    } catch (err) {
      const code = rpcErrorCode(err);
      if (code === undefined) return 'retry';
      const text = err instanceof Error ? err.message : String(err);
      await outbox.failed(e, code, text);
      this.d.log.warn(
        { stationId: r.stationId, action: e.action, code, text },
        'cloud refused a queued message',
      );
      this.d.event(
        'warn',
        'upstream-refused',
        r.stationId,
        `cloud refused queued ${e.action}: ${code} ${text}`,
        {
          outboxId: e.id,
        },
      );
      return 'failed';
    }
    const cloudTx = (answer as { transactionId?: unknown } | undefined)?.transactionId;
    await outbox.delivered(
      e,
      v16 && e.action === 'StartTransaction' && typeof cloudTx === 'number' ? String(cloudTx) : undefined,
    );
    r.lastRelayMs = this.d.now();
    await this.d.cache(e.version, e.payload, answer);
    return 'sent';
  }
}
