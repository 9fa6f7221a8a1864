/** Accounts and browser sessions: reads on the given connection, writes through the StoreWriter. */
import type Database from 'better-sqlite3';
import type { AccountRecord, Role, WebSessionRecord } from '../contracts/api-records.ts';
import type { AccountsStore } from '../contracts/api-store.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface AccountRow {
  username: string;
  password_hash: string;
  role: Role;
  created_ms: number;
}

const toAccount = (r: AccountRow): AccountRecord => ({
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role,
  createdMs: r.created_ms,
});

export class AccountsRepository implements AccountsStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    this.s = {
      find: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE username = ?'),
      list: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY username'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM accounts'),
      session: db.prepare<[string], { username: string; role: Role; expires_ms: number }>(`
        SELECT s.username, a.role, s.expires_ms FROM web_sessions s
        JOIN accounts a ON a.username = s.username WHERE s.id_hash = ?`),
    };
  }

  find(username: string): AccountRecord | undefined {
    const r = this.s.find.get(username);
    return r && toAccount(r);
  }

  list(): readonly AccountRecord[] {
    return this.s.list.all().map(toAccount);
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  add(username: string, passwordHash: string, role: Role): Promise<void> {
    return this.writer.run('addAccount', { username, passwordHash, role, atMs: this.clock.nowMs() });
  }

  setPassword(username: string, passwordHash: string): Promise<boolean> {
    return this.writer.run('setPassword', { username, passwordHash, atMs: this.clock.nowMs() });
  }

  remove(username: string): Promise<boolean> {
    return this.writer.run('removeAccount', username);
  }

  findSession(idHash: string): WebSessionRecord | undefined {
    const r = this.s.session.get(idHash);
    return r && { username: r.username, role: r.role, expiresMs: r.expires_ms };
  }

  addSession(idHash: string, username: string, expiresMs: number): Promise<void> {
    return this.writer.run('addWebSession', { idHash, username, atMs: this.clock.nowMs(), expiresMs });
  }

  touchSession(idHash: string, expiresMs: number): Promise<void> {
    return this.writer.run('touchWebSession', { idHash, expiresMs });
  }

  dropSession(idHash: string): Promise<void> {
    return this.writer.run('dropWebSession', idHash);
  }
}
