/** `fusebox check site.yaml`: validate a site configuration and print its tree, or every problem found. */
import { formatProblem } from './config-problem.ts';
import { loadSiteConfigFile } from './load.ts';
import { summarizeSite } from './site-summary.ts';

/** Exit code when the configuration has errors or cannot be read. */
export const CHECK_FAILED = 2;

/** Checks the file at `path`, writes the report line by line to `out`; returns the exit code (0 or 2). */
export function runCheck(path: string, out: (line: string) => void): number {
  const result = loadSiteConfigFile(path, { readFiles: true });
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  if (!result.ok) {
    for (const p of result.problems) out(formatProblem(p));
    out(`${path}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
    return CHECK_FAILED;
  }
  for (const line of summarizeSite(result)) out(line);
  if (warnings > 0) out('');
  for (const p of result.problems) out(formatProblem(p));
  out('');
  out(`${path}: OK, ${plural(warnings, 'warning')}`);
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
