/**
 * `fusebox hash-password`: reads a station password from standard input (one line) and prints the hash to
 * put in the site file as the station's `passwordHash`. The password never appears on the command line.
 */
import { hashStationPassword } from '../ocpp/password-hash.ts';

/** Returns the exit code; 2 when no password was given. */
export async function runHashPassword(
  input: NodeJS.ReadableStream,
  out: (line: string) => void,
): Promise<number> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0) {
    out(
      'fusebox hash-password: give the password on standard input, e.g. `echo -n "secret" | npx fusebox hash-password`',
    );
    return 2;
  }
  // OCPP 1.6 Security Whitepaper / 2.0.1 A00: the basic-auth password is 16 to 40 characters.
  if (password.length < 16 || password.length > 40)
    out('warning: OCPP asks for a password of 16 to 40 characters');
  out(await hashStationPassword(password));
  return 0;
}
