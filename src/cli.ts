/** Entry point of the `fusebox` command (package.json bin → bin/fusebox.js → here). */
import { main } from './cli/commands.ts';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Argument errors from parseArgs and anything unexpected: one line for the user, no stack trace.
  console.error(`fusebox: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
