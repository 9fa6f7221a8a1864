/**
 * Where the evaluation data is: `datasets/` in this repository (see datasets/README.md for each file's
 * source and licence). Tests and `npm run eval` read it; a missing file is an error naming the path, never
 * a skipped test.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository's `datasets/` directory. */
export const DATASETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../datasets');

/** Absolute path of a file (or folder) under `datasets/`; throws naming the path when it is absent. */
export function datasetPath(rel: string): string {
  const path = resolve(DATASETS_DIR, rel);
  if (!existsSync(path)) throw new Error(`dataset file missing: ${path} (see datasets/README.md)`);
  return path;
}
