/** Loading a site file from text in tests (load*.test.ts): its problems, or the loaded site. */
import { expect } from 'vitest';
import type { ConfigProblem } from '../config-problem.ts';
import type { LoadedSiteConfig } from '../load.ts';
import { loadSiteConfigText } from '../load.ts';

export const FILE = 'site.yaml';

/** Joins lines, so that line numbers in the expectations can be read off the array. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export function problems(text: string): readonly ConfigProblem[] {
  return loadSiteConfigText(text, FILE).problems;
}

/** The problems of `text`, one line each: "severity line:column path: message". */
export function problemLines(text: string): string[] {
  return problems(text).map((p) => `${p.severity} ${p.line}:${p.column} ${p.path}: ${p.message}`);
}

export function loaded(text: string): LoadedSiteConfig {
  const r = loadSiteConfigText(text, FILE);
  if (!r.ok)
    throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`).join('\n'));
  return r;
}

/**
 * The problem `text` (not loading) has at `path`: its message matches `message` and it stands at line
 * `lineNo` (at a column when `column` is true). Returns it.
 */
export function expectProblemAt(
  text: string,
  path: string,
  lineNo: number,
  message: RegExp,
  { column = false }: { readonly column?: boolean } = {},
): ConfigProblem {
  const r = loadSiteConfigText(text, FILE);
  expect(r.ok).toBe(false);
  const p = r.problems.find((x) => x.path === path);
  expect(p, JSON.stringify(r.problems)).toBeDefined();
  expect(p!.message).toMatch(message);
  expect(p!.line).toBe(lineNo);
  if (column) expect(p!.column).toBeGreaterThan(0);
  return p!;
}
