/**
 * Where the evaluation data of `../shared/data` is (tests and the evaluation read it; it is not in the repo):
 * $FUSEBOX_SHARED_DATA, else `../shared/data` beside the repo, else /work/shared/data (a clone elsewhere on
 * the team's machine). A missing directory is an error naming every place looked at, never a skipped test.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Candidate directories, in the order they are tried. */
export function sharedDataCandidates(): string[] {
  const env = process.env['FUSEBOX_SHARED_DATA'];
  return [...(env ? [resolve(env)] : []), resolve(REPO, '../shared/data'), '/work/shared/data'];
}

/** Absolute path of a file under the shared data directory; throws naming the places tried when absent. */
export function sharedDataPath(rel: string): string {
  const tried = sharedDataCandidates().map((dir) => resolve(dir, rel));
  const found = tried.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(
      `shared data file missing: ${rel} (looked in ${tried.join(', ')}; set FUSEBOX_SHARED_DATA)`,
    );
  return found;
}
