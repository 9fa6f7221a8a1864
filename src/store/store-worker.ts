/** The store's writer thread: commits what the main thread sends, one transaction per arrival burst. */
import { parentPort, workerData } from 'node:worker_threads';
import { commitBatch } from './commit-batch.ts';
import { openDatabase } from './open-database.ts';
import { writeOps } from './write-ops.ts';
import type { WorkerRequest, WriteItem } from './writer-protocol.ts';
import { serializeError } from './writer-protocol.ts';

const port = parentPort!;
const db = openDatabase((workerData as { path: string }).path);
const ops = writeOps(db);
let queue: WriteItem[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (!batch.length) return;
  const outcomes = commitBatch(
    db,
    batch.map((item) => () => (ops[item.op] as (a: unknown) => unknown)(item.args)),
  );
  port.postMessage({
    results: outcomes.map((o, i) =>
      o.ok
        ? { id: batch[i]!.id, ok: true, value: o.value }
        : { id: batch[i]!.id, ok: false, error: serializeError(o.error) },
    ),
  });
}

port.on('message', (msg: WorkerRequest) => {
  if ('close' in msg) {
    flush();
    db.close();
    port.close();
    return;
  }
  queue.push(...msg.batch);
  // Everything that arrives while the last commit was being fsynced goes into the next one.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
