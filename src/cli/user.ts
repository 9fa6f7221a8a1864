/**
 * `fusebox user add|list|remove|passwd`: dashboard and API accounts in the store of a site file
 * (`--config site.yaml`) or of a store file (`--store path.db`). Passwords are read on standard input,
 * never from the command line, and stored as scrypt hashes.
 */
import { parseArgs } from 'node:util';
import { ROLES } from '../contracts/api-records.ts';
import { USER_USAGE } from './usage.ts';
import type { Role } from '../contracts/api-records.ts';
import { formatProblem } from '../config/config-problem.ts';
import { loadSiteConfigFile } from '../config/load.ts';
import { hashStationPassword } from '../ocpp/password-hash.ts';
import { openStore } from '../store/store.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;

async function readPassword(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

/** Runs one `fusebox user` invocation; returns the exit code (2: bad usage or input). */
export async function runUser(
  args: readonly string[],
  input: NodeJS.ReadableStream,
  out: (line: string) => void,
): Promise<number> {
  // An unknown option throws parseArgs' error, which `main` reports.
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      config: { type: 'string', short: 'c' },
      store: { type: 'string' },
    },
  });
  const [action, name] = positionals;
  let storePath = values.store ?? 'data/fusebox.db';
  if (values.config !== undefined) {
    const loaded = loadSiteConfigFile(values.config);
    if (!loaded.ok) {
      for (const p of loaded.problems) out(formatProblem(p));
      out(`fusebox user: ${values.config} has errors; fix them first`);
      return 2;
    }
    storePath = loaded.config.store.path;
  }
  const needsName = action === 'add' || action === 'passwd' || action === 'remove';
  if (!action || !['add', 'passwd', 'remove', 'list'].includes(action) || (needsName && !name)) {
    out(USER_USAGE);
    return 2;
  }
  if (needsName && !NAME.test(name!)) {
    out(
      `fusebox user: '${name}' is not a user name (1-64 of letters, digits, . _ @ -, starting with a letter or digit)`,
    );
    return 2;
  }
  const role = (values.role ?? 'viewer') as Role;
  if (!ROLES.includes(role)) {
    out(`fusebox user: --role is viewer or operator, not '${values.role}'`);
    return 2;
  }

  const store = openStore(storePath, { writer: 'inline' });
  try {
    const accounts = store.api.accounts;
    switch (action) {
      case 'list': {
        const all = accounts.list();
        if (all.length === 0) out(`no accounts in ${storePath}`);
        for (const a of all) out(`${a.username}\t${a.role}\tcreated ${new Date(a.createdMs).toISOString()}`);
        return 0;
      }
      case 'remove':
        if (!(await accounts.remove(name!))) {
          out(`fusebox user: no account '${name}' in ${storePath}`);
          return 2;
        }
        out(`removed ${name} (their sessions end now)`);
        return 0;
      case 'add':
      case 'passwd': {
        const exists = accounts.find(name!) !== undefined;
        if (action === 'add' && exists) {
          out(
            `fusebox user: '${name}' exists already; change the password with \`fusebox user passwd ${name}\``,
          );
          return 2;
        }
        if (action === 'passwd' && !exists) {
          out(`fusebox user: no account '${name}' in ${storePath}`);
          return 2;
        }
        const password = await readPassword(input);
        if (password.length < MIN_PASSWORD_LENGTH) {
          out(
            `fusebox user: give a password of at least ${MIN_PASSWORD_LENGTH} characters on standard input, e.g. \`read -rs PW && printf %s "$PW" | npx fusebox user ${action} ${name}\``,
          );
          return 2;
        }
        const hash = await hashStationPassword(password);
        if (action === 'add') {
          await accounts.add(name!, hash, role);
          out(`added ${name} (${role}) to ${storePath}`);
        } else {
          await accounts.setPassword(name!, hash);
          out(`changed the password of ${name} (their sessions end now)`);
        }
        return 0;
      }
    }
    return 2;
  } finally {
    await store.close();
  }
}
