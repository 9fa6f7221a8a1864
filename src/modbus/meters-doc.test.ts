/** docs/meters.md lists every preset with its confidence. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR } from './ems-doc.ts';
import { PRESETS } from './presets/index.ts';

describe('docs/meters.md', () => {
  const md = readFileSync(join(DOCS_DIR, 'meters.md'), 'utf8');
  it.each([...PRESETS.values()].map((p) => [p.name, p.confidence]))(
    'lists preset %s (confidence %s)',
    (name, confidence) => {
      const row = md.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `add a row for ${name} to the presets table`).toBeDefined();
      expect(row).toContain(`| ${confidence} |`);
    },
  );
});
