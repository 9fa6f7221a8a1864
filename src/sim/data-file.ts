/**
 * The text of a data file (sessions, profiles, tariffs), plain or gzip-compressed: a file that starts with
 * the gzip magic bytes is gunzipped, whatever its name, so `datasets/…/x.csv.gz` reads like `x.csv`.
 * Errors (unreadable file, broken gzip) are thrown as they come; each loader wraps them naming the file.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** UTF-8 text of `path`, gunzipped first when the file is gzip data. */
export function readDataText(path: string): string {
  const bytes = readFileSync(path);
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (err) {
    throw new Error(`broken gzip data: ${(err as Error).message}`, { cause: err });
  }
}
