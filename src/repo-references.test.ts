/**
 * Code and docs cite only files of this repository: no reference to a design note, a stack list or a shared
 * folder that lives outside it (the project's rule, issue 13). A new one fails here, naming file and line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Folders that are not the project's own text (dependencies, build output, data from elsewhere). */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'out', '.git', 'data']);
const TEXT = /\.(ts|tsx|js|mjs|cjs|json|md|ya?ml|html|css|sh|txt)$|^(Dockerfile|LICENSE)$/;

/**
 * Notes outside the repository that earlier comments cited (the design note, the stack list, the published
 * results, and the shared folder beside the repository), built from parts so that this file names none.
 */
const OUTSIDE_NOTES = ['DESIGN', 'STACK', 'PUBLISHED'];
const FORBIDDEN = [
  new RegExp(`\\b(?:${OUTSIDE_NOTES.join('|')})\\.md\\b`),
  new RegExp(`\\.\\./${'sha' + 'red'}\\b`),
];

/**
 * `.md` names that are not files of the repository and are fine to mention: what a command writes
 * (`fusebox simulate --report` writes report.md), and files of the data sets' own repositories, cited with
 * the repository in datasets/<name>/README.md.
 */
const NOT_FILES_HERE = new Set([
  'report.md',
  '_datasets/Electric-Vehicle-Charging-Station-Usage.md',
  'docs/evchargingenv.md',
]);

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (TEXT.test(name) && name !== 'package-lock.json') yield path;
  }
}

const THIS_FILE = fileURLToPath(import.meta.url);
const sources = [...files(ROOT)].filter((f) => f !== THIS_FILE);

describe('references to files', () => {
  it('name none of the notes kept outside the repository', () => {
    const found: string[] = [];
    for (const file of sources) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const re of FORBIDDEN)
            if (re.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('to a .md file point at one in the repository', () => {
    const ref = /(?<![\w/.-])((?:\.\.?\/)?[\w.-]+(?:\/[\w.-]+)*\.md)\b/g;
    const missing: string[] = [];
    for (const file of sources) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(ref)) {
            const name = m[1]!;
            if (NOT_FILES_HERE.has(name)) continue;
            const candidates = [join(dirname(file), name), join(ROOT, name), join(ROOT, 'docs', name)];
            if (candidates.some((c) => exists(normalize(c)))) continue;
            missing.push(`${relative(ROOT, file)}:${i + 1}: ${name}`);
          }
        });
    }
    expect(missing).toEqual([]);
  });
});

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
