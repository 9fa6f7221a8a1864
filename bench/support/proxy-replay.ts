/**
 * The proxy bench's outage phase (bench/proxy.ts): the cloud down, `minutes` of each station's transaction
 * traffic (OCPP 1.6 or 2.0.1) answered by Fusebox and queued, the cloud back, the queue replayed; then what
 * the cloud lacks or has twice against what the stations sent.
 */
import type { Rig } from './proxy-rig.ts';
import { pool } from './proxy-rig.ts';

export interface ReplayResult {
  readonly queued: number;
  readonly replayMessagesPerSecond: number;
  readonly lost: number;
  readonly duplicated: number;
}

const T0 = Date.parse('2026-01-01T08:00:00Z');
const WH_PER_MIN = 183;

/** One station's outage traffic (OCPP 1.6): the keys of what it sent, as the cloud's calls are keyed. */
async function sendOutage(rig: Rig, id: string, minutes: number): Promise<string[]> {
  const st = rig.stations.get(id)!;
  const keys: string[] = [];
  const { transactionId } = await st.call<{ transactionId: number }>('StartTransaction', {
    connectorId: 1,
    idTag: `T-${id}`,
    meterStart: 0,
    timestamp: new Date(T0).toISOString(),
  });
  keys.push('start');
  for (let m = 1; m <= minutes; m++) {
    await st.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: new Date(T0 + m * 60_000).toISOString(),
          sampledValue: [{ value: String(m * WH_PER_MIN), unit: 'Wh' }],
        },
      ],
    });
    keys.push(`meter ${m * WH_PER_MIN}`);
  }
  const meterStop = minutes * WH_PER_MIN + 1;
  await st.call('StopTransaction', {
    transactionId,
    meterStop,
    timestamp: new Date(T0 + (minutes + 1) * 60_000).toISOString(),
  });
  keys.push(`stop ${meterStop}`);
  return keys;
}

/** The same for OCPP 2.0.1: TransactionEvent Started, an Updated a minute with the meter, Ended. */
async function sendOutageV2(rig: Rig, id: string, minutes: number): Promise<string[]> {
  const st = rig.stations.get(id)!;
  const keys: string[] = [];
  const event = (seqNo: number, eventType: string, extra: object = {}): Promise<unknown> => {
    keys.push(`${eventType} ${seqNo}`);
    const timestamp = new Date(T0 + seqNo * 60_000).toISOString();
    return st.call('TransactionEvent', {
      eventType,
      timestamp,
      triggerReason: eventType === 'Started' ? 'Authorized' : 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId: `tx-${id}` },
      evse: { id: 1, connectorId: 1 },
      meterValue: [
        {
          timestamp,
          sampledValue: [{ value: seqNo * WH_PER_MIN, measurand: 'Energy.Active.Import.Register' }],
        },
      ],
      ...extra,
    });
  };
  await event(0, 'Started', { idToken: { idToken: `T-${id}`, type: 'ISO14443' } });
  for (let m = 1; m <= minutes; m++) await event(m, 'Updated');
  await event(minutes + 1, 'Ended');
  return keys;
}

function keyOf(action: string, payload: unknown): string {
  const q = payload as {
    meterStop?: number;
    meterValue?: { sampledValue: { value: string }[] }[];
    eventType?: string;
    seqNo?: number;
  };
  if (action === 'TransactionEvent') return `${q.eventType} ${q.seqNo}`;
  if (action === 'StartTransaction') return 'start';
  if (action === 'StopTransaction') return `stop ${q.meterStop}`;
  return `meter ${q.meterValue?.[0]?.sampledValue[0]?.value}`;
}

/** What the cloud lacks (lost) or has more than once (duplicated), against `sent` per station. */
async function compare(
  rig: Rig,
  sent: ReadonlyMap<string, string[]>,
): Promise<{ lost: number; duplicated: number }> {
  const calls = await rig.cloud.ask<[string, string, unknown][]>({
    cmd: 'calls',
    actions: ['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent'],
  });
  const gotBy = new Map<string, string[]>();
  for (const [stationId, action, payload] of calls)
    gotBy.set(stationId, [...(gotBy.get(stationId) ?? []), keyOf(action, payload)]);
  let lost = 0;
  let duplicated = 0;
  for (const id of rig.ids) {
    const counts = new Map<string, number>();
    for (const k of gotBy.get(id) ?? []) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const k of sent.get(id) ?? []) if (!counts.has(k)) lost++;
    for (const n of counts.values()) if (n > 1) duplicated += n - 1;
  }
  return { lost, duplicated };
}

export async function outageAndReplay(
  rig: Rig,
  minutes: number,
  concurrency: number,
  say: (line: string) => void,
): Promise<ReplayResult> {
  await rig.cloud.ask({ cmd: 'down' });
  await rig.waitAll((x) => !x.connected, 60_000, 'outage seen');
  const sent = new Map<string, string[]>();
  const built = performance.now();
  const send = rig.version === '1.6' ? sendOutage : sendOutageV2;
  await pool(rig.ids, concurrency, async (id) => void sent.set(id, await send(rig, id, minutes)));
  const queued = (await rig.upstream()).reduce((n, x) => n + x.queueDepth, 0);
  const s = (ms: number): number => Math.round(ms) / 1000;
  say(`outage: ${queued} messages answered by Fusebox and queued in ${s(performance.now() - built)} s`);
  const replay = await rig.cloud.ask<{ got: number; firstAfterMs: number; spanMs: number }>({
    cmd: 'up',
    expect: queued,
  });
  const replayMessagesPerSecond = Math.round(queued / (replay.spanMs / 1000));
  await rig.waitAll((x) => x.queueDepth === 0, 600_000, 'queues empty');
  say(
    `replay: ${queued} messages in ${s(replay.spanMs)} s from the first one the cloud got ` +
      `(${s(replay.firstAfterMs)} s after it was back: reconnect backoff) = ${replayMessagesPerSecond} messages/s`,
  );
  const { lost, duplicated } = await compare(rig, sent);
  say(`lost ${lost}, duplicated ${duplicated}`);
  return { queued, replayMessagesPerSecond, lost, duplicated };
}
