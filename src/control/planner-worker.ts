/**
 * The planner's worker thread (planner-solver.ts starts it): solves one plan per message, off the event loop
 * of the control loop. Loaded as planner-worker.ts from the sources (Node strips the types) and as
 * planner-worker.js from dist/.
 */
import { parentPort } from 'node:worker_threads';
import { loadHighs } from '../core/planner/highs.ts';
import { fromWire } from '../core/planner/plan-wire.ts';
import type { WirePlanInput } from '../core/planner/plan-wire.ts';
import { plan } from '../core/planner/planner.ts';

/** One request: the input and its id (echoed with the answer). */
export interface PlanRequest {
  readonly id: number;
  readonly input: WirePlanInput;
}

parentPort?.on('message', (req: PlanRequest) => {
  void (async () => {
    const t0 = performance.now();
    try {
      const p = plan(await loadHighs(), fromWire(req.input));
      parentPort!.postMessage({ id: req.id, plan: p, solveMs: performance.now() - t0 });
    } catch (err) {
      parentPort!.postMessage({ id: req.id, error: (err as Error).message ?? String(err) });
    }
  })();
});
