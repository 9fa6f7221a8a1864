/** API tokens for integrations, stored as SHA-256 hashes. */
import type Database from 'better-sqlite3';
import type { ApiTokenRecord, Role } from '../contracts/api-records.ts';
import type { ApiTokensStore } from '../contracts/api-store.ts';
import type { StoreWriter } from './store-writer.ts';
import type { Clock } from '../clock.ts';

interface TokenRow {
  id: number;
  name: string;
  role: Role;
  created_by: string;
  created_ms: number;
  last_used_ms: number | null;
}

const toToken = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdBy: r.created_by,
  createdMs: r.created_ms,
  lastUsedMs: r.last_used_ms,
});

export class ApiTokensRepository implements ApiTokensStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    const cols = 'id, name, role, created_by, created_ms, last_used_ms';
    this.s = {
      byHash: db.prepare<[string], TokenRow>(`SELECT ${cols} FROM api_tokens WHERE token_hash = ?`),
      list: db.prepare<[], TokenRow>(`SELECT ${cols} FROM api_tokens ORDER BY id`),
    };
  }

  findByHash(tokenHash: string): ApiTokenRecord | undefined {
    const r = this.s.byHash.get(tokenHash);
    return r && toToken(r);
  }

  list(): readonly ApiTokenRecord[] {
    return this.s.list.all().map(toToken);
  }

  add(name: string, role: Role, tokenHash: string, createdBy: string): Promise<number> {
    return this.writer.run('addApiToken', { name, role, tokenHash, createdBy, atMs: this.clock.nowMs() });
  }

  touch(id: number): Promise<void> {
    return this.writer.run('touchApiToken', { id, atMs: this.clock.nowMs() });
  }

  remove(id: number): Promise<boolean> {
    return this.writer.run('dropApiToken', id);
  }
}
