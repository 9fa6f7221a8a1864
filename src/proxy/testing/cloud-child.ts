/**
 * The test cloud (test-cloud.ts) in a process of its own, for `npm run bench -- proxy`: the bench's stations,
 * Fusebox and the cloud then do not share an event loop, so the relayed round trip differs from the direct
 * one by Fusebox only. Prints `url <ws url>` once it listens; driven by IPC messages (an `id` comes back
 * with each answer):
 * - `{ cmd: 'down' }` / `{ cmd: 'up', expect: N }`: take the cloud down / bring it back; the answer to `up`
 *   comes once N transaction messages (Start/Stop/MeterValues, TransactionEvent) arrived after it, with the time from the
 *   first to the last of them;
 * - `{ cmd: 'calls', actions }`: the calls received since the last `up` (of those actions), as
 *   `[stationId, action, payload, arrivedMs]` (arrivedMs: a wall clock comparable across processes).
 */
import { TestCloud } from './test-cloud.ts';

interface Request {
  readonly id: number;
  readonly cmd: 'down' | 'up' | 'calls';
  readonly expect?: number;
  readonly actions?: readonly string[];
}

const TRANSACTION = new Set(['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent']);
/** When each of `cloud.calls` arrived, as a wall clock in ms with the fraction (comparable across processes). */
const arrivedMs: number[] = [];
const cloud = await TestCloud.start({
  firstTransactionId: 1,
  onCall: () => arrivedMs.push(performance.timeOrigin + performance.now()),
});
let since = 0;
const reply = (id: number, body: unknown): void => {
  process.send!({ id, body });
};

process.on('message', (m: Request) => {
  switch (m.cmd) {
    case 'down':
      void cloud.goDown().then(() => reply(m.id, {}));
      return;
    case 'up': {
      since = cloud.calls.length;
      const want = m.expect ?? 0;
      let firstMs: number | undefined;
      let seen = 0;
      let got = 0;
      const upMs = performance.now();
      const check = setInterval(() => {
        for (; seen < cloud.calls.length - since; seen++) {
          if (!TRANSACTION.has(cloud.calls[since + seen]!.action)) continue;
          firstMs ??= performance.now();
          got++;
        }
        if (got < want) return;
        clearInterval(check);
        const doneMs = performance.now();
        reply(m.id, { got, firstAfterMs: (firstMs ?? doneMs) - upMs, spanMs: doneMs - (firstMs ?? doneMs) });
      }, 5);
      cloud.up();
      return;
    }
    case 'calls':
      reply(
        m.id,
        cloud.calls
          .slice(since)
          .map((c, i) => [c.stationId, c.action, c.payload, arrivedMs[since + i]] as const)
          .filter((c) => !m.actions || m.actions.includes(c[1])),
      );
      return;
  }
});
process.on('disconnect', () => void cloud.close().then(() => process.exit(0)));
process.stdout.write(`url ${cloud.url}\n`);
