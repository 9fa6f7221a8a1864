/**
 * Writes in a worker thread: the main thread queues named writes per event-loop turn and posts them; the
 * worker commits whatever has arrived in one transaction (one fsync, however slow the disk) and answers.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';
import type { StoreWriter } from './store-writer.ts';
import type { WriteArgs, WriteOpName, WriteResult } from './write-ops.ts';
import type { WorkerReply, WorkerRequest, WriteItem } from './writer-protocol.ts';
import { reviveError } from './writer-protocol.ts';

/** The writer thread could not start or died: every pending and later write fails with this. */
export class StoreWriterError extends Error {
  readonly code = 'STORE_WRITER_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreWriterError';
  }
}

// Compiled (dist/, what `npm start` and an installed package run), the worker is the JavaScript file beside
// this one. From the sources (tests, `FUSEBOX_FROM_SOURCE=1`), the worker is TypeScript, and `--import`
// loaders do not reach workers on Node 20. Registering tsx's loader in each worker costs a loader thread and
// seconds on a loaded machine (for every store opened), so the worker's code is bundled once per process
// with esbuild (what tsx itself transpiles with; a development dependency, loaded only here) and each
// worker evaluates that. Its packages (better-sqlite3) resolve from here, so any working directory works.
const COMPILED = import.meta.url.endsWith('.js');
let workerSource: string | undefined;

function bundledWorker(): string {
  if (workerSource === undefined) {
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
    const built = buildSync({
      entryPoints: [fileURLToPath(new URL('./store-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    const code = built.outputFiles[0]!.text;
    workerSource = `(function (require) {\n${code}\n})(require('node:module').createRequire(${JSON.stringify(import.meta.url)}));`;
  }
  return workerSource;
}

function startWorker(path: string): Worker {
  return COMPILED
    ? new Worker(new URL('./store-worker.js', import.meta.url), { workerData: { path } })
    : new Worker(bundledWorker(), { eval: true, workerData: { path } });
}

export class ThreadWriter implements StoreWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private queue: WriteItem[] = [];
  private scheduled = false;
  private nextId = 1;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(path: string) {
    this.worker = startWorker(path);
    this.worker.on('message', (reply: WorkerReply) => {
      for (const r of reply.results) {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        if (r.ok) p?.resolve(r.value);
        else p?.reject(reviveError(r.error));
      }
    });
    this.worker.on('error', (err) =>
      this.fail(new StoreWriterError(`store writer thread failed: ${err.message}`, { cause: err })),
    );
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new StoreWriterError(`store writer thread exited (${code})`));
    });
  }

  run<K extends WriteOpName>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new StoreWriterError('store is closed'));
    const id = this.nextId++;
    return new Promise<WriteResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ id, op, args });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.post());
      }
    });
  }

  private post(): void {
    this.scheduled = false;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.worker.postMessage({ batch } satisfies WorkerRequest);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.post();
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ close: true } satisfies WorkerRequest);
      await exited;
    })();
    return this.closing;
  }
}
