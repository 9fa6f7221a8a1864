/**
 * The soak benchmark's ledger (bench/soak.ts): every record a simulated station had an answer for
 * (transaction starts and stops, meter samples), looked up at the end in the SQLite file Fusebox wrote.
 * Helpers live in bench/support/: bench/run.ts takes every file directly in bench/ for a benchmark.
 */
import Database from 'better-sqlite3';
import type { SimulatedStation } from '../../src/sim/devices/ocpp-station.ts';

/** Outbound CALLs a station is waiting on, and what their answer acknowledges. */
interface Pending {
  readonly action: string;
  readonly payload: Record<string, unknown>;
}

/** Everything a station got an answer for: what Fusebox must have stored. */
export class Acknowledged {
  readonly starts16 = new Set<number>();
  readonly stops16 = new Set<number>();
  readonly starts2 = new Set<string>();
  readonly stops2 = new Set<string>();
  /** station \u0000 evse \u0000 atMs */
  readonly samples = new Set<string>();

  watch(station: SimulatedStation): void {
    const pending = new Map<string, Pending>();
    const evseOfTx = new Map<string, number>();
    station.on('message', (e: { message: unknown; outbound: boolean }) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(e.message));
      } catch {
        return;
      }
      if (!Array.isArray(frame)) return;
      if (e.outbound && frame[0] === 2) {
        pending.set(String(frame[1]), {
          action: String(frame[2]),
          payload: frame[3] as Record<string, unknown>,
        });
        return;
      }
      if (e.outbound || frame[0] !== 3) return;
      const call = pending.get(String(frame[1]));
      if (!call) return;
      pending.delete(String(frame[1]));
      this.acknowledge(station.stationId, call, frame[2] as Record<string, unknown>, evseOfTx);
    });
  }

  private acknowledge(
    stationId: string,
    call: Pending,
    answer: Record<string, unknown>,
    evseOfTx: Map<string, number>,
  ): void {
    const p = call.payload;
    const samples = (evse: number, values: unknown): void => {
      for (const mv of (values as { timestamp: string }[] | undefined) ?? [])
        this.samples.add(`${stationId}\u0000${evse}\u0000${Date.parse(mv.timestamp)}`);
    };
    switch (call.action) {
      case 'StartTransaction':
        if ((answer.idTagInfo as { status?: string } | undefined)?.status === 'Accepted')
          this.starts16.add(Number(answer.transactionId));
        break;
      case 'StopTransaction':
        this.stops16.add(Number(p.transactionId));
        break;
      case 'MeterValues':
        samples(Number(p.connectorId ?? p.evseId), p.meterValue);
        break;
      case 'TransactionEvent': {
        const info = p.transactionInfo as { transactionId: string };
        const evse = (p.evse as { id?: number } | undefined)?.id ?? evseOfTx.get(info.transactionId);
        if (evse !== undefined) evseOfTx.set(info.transactionId, evse);
        if (p.eventType === 'Started') this.starts2.add(info.transactionId);
        if (p.eventType === 'Ended') {
          this.stops2.add(info.transactionId);
          evseOfTx.delete(info.transactionId);
        }
        if (evse !== undefined) samples(evse, p.meterValue);
        break;
      }
    }
  }

  /** Acknowledged records that the database does not hold. */
  missingIn(dbPath: string): { lost: number; checked: number; detail: Record<string, number> } {
    const db = new Database(dbPath, { readonly: true });
    try {
      const bySession = db.prepare('SELECT stopped_ms FROM sessions WHERE session_id = ?');
      const byRef = db.prepare(
        'SELECT stopped_ms FROM sessions WHERE station_id IS NOT NULL AND transaction_ref = ?',
      );
      const sample = db.prepare(
        'SELECT 1 FROM meter_values WHERE station_id = ? AND evse_id = ? AND at_ms = ?',
      );
      const detail = { starts: 0, stops: 0, samples: 0 };
      for (const id of this.starts16) if (!bySession.get(id)) detail.starts++;
      for (const id of this.stops16)
        if ((bySession.get(id) as { stopped_ms: number | null } | undefined)?.stopped_ms == null)
          detail.stops++;
      for (const ref of this.starts2) if (!byRef.get(ref)) detail.starts++;
      for (const ref of this.stops2)
        if ((byRef.get(ref) as { stopped_ms: number | null } | undefined)?.stopped_ms == null) detail.stops++;
      for (const key of this.samples) {
        const [st, evse, at] = key.split('\u0000');
        if (!sample.get(st, Number(evse), Number(at))) detail.samples++;
      }
      const checked =
        this.starts16.size + this.stops16.size + this.starts2.size + this.stops2.size + this.samples.size;
      return { lost: detail.starts + detail.stops + detail.samples, checked, detail };
    } finally {
      db.close();
    }
  }
}
