/**
 * Benchmark runner: `npm run bench -- NAME [--json]` imports bench/NAME.ts and runs its `run()`.
 * Human-readable lines go to stdout; with --json the last line of stdout is {"bench": NAME, "results": [...]}.
 */
import { readdirSync } from 'node:fs';

/** What a benchmark module exports. */
export interface BenchOptions {
  readonly json: boolean;
}
type BenchModule = { run?: (opts: BenchOptions) => Promise<unknown[]> };

const dir = new URL('./', import.meta.url);
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
const name = names[0];

if (name === undefined || names.length > 1 || !available.includes(name)) {
  const what = name === undefined ? 'no benchmark given' : `unknown benchmark '${names.join(' ')}'`;
  console.error(`${what}; usage: npm run bench -- NAME [--json]; available: ${available.join(', ')}`);
  process.exit(2);
}

const mod = (await import(new URL(`./${name}.ts`, dir).href)) as BenchModule;
if (typeof mod.run !== 'function') {
  console.error(`bench/${name}.ts does not export run(opts): Promise<unknown[]>`);
  process.exit(2);
}
const results = await mod.run({ json });
if (json) console.log(JSON.stringify({ bench: name, results }));
