import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    // Simulated-time scenarios are CPU-bound: 60 s was not enough for two of them with two copies of the
    // suite and other jobs on 2 cores (load ~30). A hung test still fails, later.
    testTimeout: 180_000,
    // beforeAll/afterAll start and stop whole Fusebox instances; vitest's default 10 s is too short on a
    // loaded machine (bad-input.test.ts's beforeAll timed out at load ~19 on 2 cores).
    hookTimeout: 120_000,
    // Most files wait on sockets, timers and the store's writer thread rather than compute, so two files at
    // once keep 2 cores busy; vitest's default (cores - 1) runs them one by one on a 2-core machine.
    // src/api + 2 app files at load ~19: 306 s with 1 worker, 203 s with 2.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
