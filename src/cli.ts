/** Entry point of the `fusebox` command (package.json bin → bin/fusebox.js → here). */
import { main } from './cli/commands.ts';
import { tuneHeap } from './v8-heap.ts';

if (process.argv[2] === 'start') {
  const tuned = tuneHeap();
  if ('error' in tuned) console.error(`fusebox: ${tuned.error}; V8's own heap growth is used`);
}
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Argument errors from parseArgs and anything unexpected: one line for the user, no stack trace.
  console.error(`fusebox: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
