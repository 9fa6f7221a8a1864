/**
 * Writes docs/errors.md from the error catalogue (src/error-catalogue.ts): `npm run docs:errors`.
 * src/error-catalogue.test.ts fails when the file differs from what the catalogue generates.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorsDocument } from './error-catalogue.ts';

export const ERRORS_MD_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');

/** Markdown with table padding and trailing spaces removed, so prettier's layout does not count. */
export function normaliseMarkdown(md: string): string {
  return md
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---') : line.trimEnd(),
    )
    .join('\n')
    .trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Written as prettier formats it, so `prettier --check .` stays green.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(ERRORS_MD_PATH)) ?? {};
  writeFileSync(ERRORS_MD_PATH, await prettier.format(errorsDocument(), { ...options, parser: 'markdown' }));
  console.log(`wrote ${ERRORS_MD_PATH}`);
}
