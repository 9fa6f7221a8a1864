/**
 * Golden scenarios: each golden/NAME.input.yaml is run step by step (state carried) and compared with
 * golden/NAME.expected.yaml; a failure lists the differing lines. UPDATE_GOLDEN=1 rewrites the expected
 * files from the current allocator: review the change (git diff) before keeping it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { GoldenExpected, GoldenInput } from './testing/golden-scenario.ts';
import { goldenDiff, runGolden } from './testing/golden-scenario.ts';

const dir = new URL('./golden/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.input.yaml'))
  .map((f) => f.slice(0, -'.input.yaml'.length))
  .sort();

describe('allocator golden scenarios', () => {
  it('has scenarios', () => expect(names.length).toBeGreaterThan(0));

  for (const name of names) {
    it(name, () => {
      const input = parse(readFileSync(new URL(`${name}.input.yaml`, dir), 'utf8')) as GoldenInput;
      const actual = runGolden(input);
      const expectedUrl = new URL(`${name}.expected.yaml`, dir);
      if (update) {
        writeFileSync(expectedUrl, stringify(actual, { lineWidth: 0 }));
        return;
      }
      let expected: GoldenExpected;
      try {
        expected = parse(readFileSync(expectedUrl, 'utf8')) as GoldenExpected;
      } catch {
        throw new Error(
          `golden/${name}.expected.yaml is missing or unreadable: run with UPDATE_GOLDEN=1, then review it`,
        );
      }
      const diff = goldenDiff(expected, actual);
      if (diff.length > 0) {
        throw new Error(
          `golden/${name} differs (${diff.length}):\n  ${diff.join('\n  ')}\n` +
            `(UPDATE_GOLDEN=1 npx vitest run src/core/allocator.golden.test.ts rewrites the expected file)`,
        );
      }
    });
  }
});
