/**
 * The planner off the event loop (docs/control.md, "The planner"): each solve runs in a worker thread
 * (planner-worker.ts), one at a time; a request that comes while one runs waits, and a newer one replaces it
 * (the newest wins); a solve that takes longer than `timeoutMs` is abandoned (its worker terminated: a
 * WebAssembly solve cannot be interrupted) and the next request starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import { toWire } from '../core/planner/plan-wire.ts';
import type { Plan, PlanInput } from '../core/planner/plan-types.ts';

/** What one request came to. `tag`: what the caller gave with it. */
export type SolveOutcome<T> =
  | { readonly ok: true; readonly tag: T; readonly plan: Plan; readonly solveMs: number }
  | { readonly ok: false; readonly tag: T; readonly error: string; readonly solveMs: number };

interface Answer {
  readonly id: number;
  readonly plan?: Plan;
  readonly solveMs?: number;
  readonly error?: string;
}

/** The worker's file next to this one: .ts from the sources, .js in dist/. */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './planner-worker.ts' : './planner-worker.js',
  import.meta.url,
);

export class PlannerSolver<T> {
  private worker: Worker | null = null;
  private running: { id: number; tag: T; startedMs: number; timer: NodeJS.Timeout } | null = null;
  private pending: { input: PlanInput; tag: T } | null = null;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onOutcome: (o: SolveOutcome<T>) => void,
  ) {}

  /** Solves `input` now, or after the running solve (replacing any request waiting for it). */
  request(input: PlanInput, tag: T): void {
    if (this.closed) return;
    if (this.running) {
      this.pending = { input, tag };
      return;
    }
    this.start(input, tag);
  }

  /** A solve is running. */
  busy(): boolean {
    return this.running !== null;
  }

  /** Stops the worker; nothing is reported after. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = null;
    if (this.running) clearTimeout(this.running.timer);
    this.running = null;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(input: PlanInput, tag: T): void {
    const id = this.nextId++;
    let wire;
    try {
      wire = toWire(input);
    } catch (err) {
      this.onOutcome({ ok: false, tag, error: (err as Error).message, solveMs: 0 });
      return;
    }
    const w = this.ensureWorker();
    // eslint-disable-next-line no-restricted-globals -- a solve's time-out is the machine's time, not the site's
    const timer = setTimeout(() => this.timedOut(id), this.timeoutMs);
    this.running = { id, tag, startedMs: performance.now(), timer };
    w.postMessage({ id, input: wire });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL);
    w.unref();
    w.on('message', (a: Answer) => this.answered(a));
    w.on('error', (err) => this.failed(w, err.message));
    w.on('exit', (code) => {
      if (this.worker === w) this.failed(w, `the planner's worker exited (code ${code})`);
    });
    this.worker = w;
    return w;
  }

  private answered(a: Answer): void {
    const r = this.running;
    if (!r || r.id !== a.id) return;
    clearTimeout(r.timer);
    this.running = null;
    const solveMs = a.solveMs ?? performance.now() - r.startedMs;
    this.onOutcome(
      a.plan
        ? { ok: true, tag: r.tag, plan: a.plan, solveMs }
        : { ok: false, tag: r.tag, error: a.error ?? 'the solver gave no plan', solveMs },
    );
    this.next();
  }

  private timedOut(id: number): void {
    const r = this.running;
    if (!r || r.id !== id) return;
    this.running = null;
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    this.onOutcome({
      ok: false,
      tag: r.tag,
      error: `the solve took longer than ${Math.round(this.timeoutMs / 1000)} s: abandoned`,
      solveMs: performance.now() - r.startedMs,
    });
    this.next();
  }

  private failed(w: Worker, message: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    const r = this.running;
    this.running = null;
    if (r) {
      clearTimeout(r.timer);
      this.onOutcome({ ok: false, tag: r.tag, error: message, solveMs: performance.now() - r.startedMs });
    }
    this.next();
  }

  private next(): void {
    const p = this.pending;
    this.pending = null;
    if (p && !this.closed) this.start(p.input, p.tag);
  }
}
