/**
 * Benchmark runner: `npm run bench -- NAME [--json]` imports bench/NAME.ts and runs its `run()`.
 * Words after NAME are the benchmark's own options. Human-readable lines go to stdout; with --json the last line of stdout is {"bench": NAME, "results": [...]}.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** What a benchmark module exports. */
export interface BenchOptions {
  readonly json: boolean;
  /** The arguments after the benchmark's name, for its own options (e.g. `--minutes 30`). */
  readonly args: readonly string[];
}
type BenchModule = { run?: (opts: BenchOptions) => Promise<unknown[]> };

const dir = new URL('./', import.meta.url);
/** A benchmark is a file here that exports `run`; the others (eval's parts, shared helpers) are its modules. */
const RUN_EXPORT = /^export (async )?function run\(/m;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
  .filter((f) => RUN_EXPORT.test(readFileSync(new URL(f, dir), 'utf8')))
  .map((f) => f.slice(0, -3))
  .sort();

const argv = process.argv.slice(2);
const json = argv.includes('--json');
// The first word is the benchmark; the words after it are its own options (`--minutes 30`).
const name = argv.find((a) => !a.startsWith('--'));
const args = name === undefined ? [] : argv.slice(argv.indexOf(name) + 1).filter((a) => a !== '--json');

if (name === undefined || !available.includes(name)) {
  const what = name === undefined ? 'no benchmark given' : `unknown benchmark '${name}'`;
  console.error(`${what}; usage: npm run bench -- NAME [--json]; available: ${available.join(', ')}`);
  process.exit(2);
}

const mod = (await import(new URL(`./${name}.ts`, dir).href)) as BenchModule;
if (typeof mod.run !== 'function') {
  console.error(`bench/${name}.ts does not export run(opts): Promise<unknown[]>`);
  process.exit(2);
}
const results = await mod.run({ json, args });
if (json) console.log(JSON.stringify({ bench: name, results }));
