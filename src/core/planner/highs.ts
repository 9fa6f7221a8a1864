/**
 * The LP solver (HiGHS, npm `highs`, WebAssembly), loaded once per process. The one place that loads it:
 * the planner (planner.ts) takes the loaded instance as an argument and stays pure; the simulator's offline
 * policy and the planner's callers await `loadHighs()` first.
 */
import highsModule from 'highs';
import type { Highs } from 'highs';

// The package's types describe its CommonJS build (default import = the module object); Node loads its ES
// module build, whose default export is the loader itself. Accept either shape.
type HighsLoader = () => Promise<Highs>;
const loader: HighsLoader =
  typeof highsModule === 'function'
    ? highsModule
    : (highsModule as unknown as { default: HighsLoader }).default;

let highsPromise: Promise<Highs> | undefined;

/** The solver instance, compiled on first use. */
export function loadHighs(): Promise<Highs> {
  highsPromise ??= loader();
  return highsPromise;
}

export type { Highs };
