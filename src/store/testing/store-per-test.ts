/**
 * A test's temporary directory and the store it opens there (vitest only): after each test the store last
 * opened is closed and the directory removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { StoreOptions, Store } from '../store.ts';
import { openStore } from '../store.ts';

export interface StorePerTest {
  /** A new temporary directory named `prefix`…, removed after the test. */
  readonly tmp: () => string;
  /** The last directory tmp() made ('' before). */
  readonly dir: string;
  /** Opens the store at `path` (closed after the test, unless the test opens another after it). */
  readonly open: (path: string, options?: StoreOptions) => Store;
}

export function storePerTest(prefix: string): StorePerTest {
  let dir = '';
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  return {
    tmp: () => (dir = mkdtempSync(join(tmpdir(), prefix))),
    get dir() {
      return dir;
    },
    open: (path, options) => (store = openStore(path, options)),
  };
}
