/**
 * Fuzzing site files: the examples' YAML trees with random mutations (values replaced by edge values or
 * values from elsewhere in the file, keys removed or added, list items duplicated or dropped) and random
 * text edits. Property: loadSiteConfigText never throws, and answers either ok or at least one error, every
 * problem with a line and column in the file. Short in `npm test`; `npm run fuzz` runs many more.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fuzzParams, fuzzTimeoutMs } from '../testing/fuzz-runs.ts';
import type { Json } from '../testing/tree-mutation.ts';
import { applyOp, treeOp } from '../testing/tree-mutation.ts';
import { loadSiteConfigText } from './load.ts';

const dir = join(import.meta.dirname, '../../examples');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));

/** Text edits: a line dropped, duplicated or cut, a character inserted (YAML syntax errors, tabs, anchors). */
type Edit = { line: number; kind: 'drop' | 'dup' | 'cut' | 'insert'; at: number; text: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  line: fc.nat(),
  kind: fc.constantFrom('drop', 'dup', 'cut', 'insert'),
  at: fc.nat(),
  text: fc.oneof(
    fc.constantFrom('\t', ':', '- ', '&a ', '*a', '*b', '<<: *a', '"', "'", '{', ']', '#', '!!binary ', '? '),
    fc.string({ maxLength: 4 }),
  ),
});

function applyEdit(text: string, e: Edit): string {
  const lines = text.split('\n');
  const i = e.line % lines.length;
  const l = lines[i]!;
  if (e.kind === 'drop') lines.splice(i, 1);
  else if (e.kind === 'dup') lines.splice(i, 0, l);
  else if (e.kind === 'cut') lines[i] = l.slice(0, e.at % (l.length + 1));
  else {
    const at = e.at % (l.length + 1);
    lines[i] = l.slice(0, at) + e.text + l.slice(at);
  }
  return lines.join('\n');
}

function expectWellFormedAnswer(text: string): void {
  let result: ReturnType<typeof loadSiteConfigText>;
  try {
    result = loadSiteConfigText(text, 'site.yaml');
  } catch (err) {
    throw new Error(`loadSiteConfigText threw ${String(err)} for:\n${text.slice(0, 3000)}`, { cause: err });
  }
  const lines = text.split('\n').length;
  const what = (p: object): string => `${JSON.stringify(p)} for:\n${text.slice(0, 3000)}`;
  if (!result.ok)
    expect(
      result.problems.some((p) => p.severity === 'error'),
      what(result.problems),
    ).toBe(true);
  for (const p of result.problems) {
    expect(p.file, what(p)).toBe('site.yaml');
    expect(p.line, what(p)).toBeGreaterThanOrEqual(1);
    expect(p.line, what(p)).toBeLessThanOrEqual(lines + 1);
    expect(p.column, what(p)).toBeGreaterThanOrEqual(1);
    expect(p.message.length, what(p)).toBeGreaterThan(0);
  }
}

describe('site file fuzzing', () => {
  it(
    'answers mutated example trees with ok or problems at file:line:column, never an exception',
    () => {
      const trees = examples.map((e) => parse(e.text) as Json);
      fc.assert(
        fc.property(fc.nat(), fc.array(treeOp, { minLength: 1, maxLength: 5 }), (which, ops) => {
          const tree = ops.reduce(applyOp, trees[which % trees.length]!);
          expectWellFormedAnswer(stringify(tree));
        }),
        fuzzParams(60),
      );
    },
    fuzzTimeoutMs(60, 100),
  );

  it(
    'answers text edits of the examples with ok or problems at file:line:column, never an exception',
    () => {
      fc.assert(
        fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
          expectWellFormedAnswer(edits.reduce(applyEdit, examples[which % examples.length]!.text));
        }),
        fuzzParams(60),
      );
    },
    fuzzTimeoutMs(60, 100),
  );
});
