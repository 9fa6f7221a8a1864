/**
 * Secret keys of the site file (docs/configuration.md, "Secrets"). Each may be written in the file, or given as
 * `<key>File: path` (the file's content, trailing line breaks trimmed; relative paths are from the site file) or
 * `<key>Env: NAME` (an environment variable). A schema declares a secret key with one line,
 * `...secretField('password', z.string().min(8))`; the loader resolves every reference before validation
 * (`resolveSecrets`), so the rest of Fusebox sees only `<key>`, and problems with the value it read are reported
 * at the reference, without the value.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { DocPath } from './config-problem.ts';
import { formatPath } from './config-problem.ts';
import type { Report } from './problem-list.ts';
import { fileReadError } from './read-error.ts';

const FILE_SUFFIX = 'File';
const ENV_SUFFIX = 'Env';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Shorter secrets are not masked in messages: they would mask ordinary words (and are refused anyway). */
const MIN_MASKED_LENGTH = 4;
const MASK = '<secret>';

const names = new Set<string>();

/**
 * Declares the secret key `key` of an object schema: spread the result into the object's shape. The key is
 * optional; `<key>File` and `<key>Env` are accepted wherever it is, and never reach the schema.
 */
export function secretField<const K extends string, S extends z.ZodType<string>>(
  key: K,
  schema: S,
): { [P in K]: z.ZodOptional<S> } {
  names.add(key);
  // A computed key has type string in TypeScript: the mapped type says which one it is.
  return { [key]: schema.optional() } as { [P in K]: z.ZodOptional<S> };
}

/** The secret keys every schema declared. */
export function secretKeyNames(): ReadonlySet<string> {
  return names;
}

/** Where `<key>File` and `<key>Env` are read from; absent: they are left unread (and the key absent). */
export interface SecretSource {
  /** The site file's directory. */
  readonly baseDir: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface ResolvedSecrets {
  /** The document with every reference replaced by the secret it names (the input is not changed). */
  readonly value: unknown;
  /**
   * Reports to `report`, placing a problem with a secret that was read at its reference and masking every
   * secret's text: use it to validate `value`.
   */
  readonly report: Report;
}

interface ReadSecret {
  readonly path: DocPath;
  readonly reference: DocPath;
}

/**
 * Replaces `<key>File` and `<key>Env` of every declared secret key by `<key>` with the secret read (with
 * `source`), and reports what is wrong with a reference: two sources for one key, a file that cannot be read or
 * is empty, a variable that is not set or empty. Top-level `x-` keys (anchors only) are skipped.
 */
export function resolveSecrets(
  raw: unknown,
  source: SecretSource | undefined,
  report: Report,
): ResolvedSecrets {
  const read: ReadSecret[] = [];
  const texts = new Set<string>();

  const visit = (value: unknown, path: DocPath): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] = path.length === 0 && k.startsWith('x-') ? v : visit(v, [...path, k]);
    for (const key of names) resolveKey(out, path, key);
    return out;
  };

  const resolveKey = (obj: Record<string, unknown>, at: DocPath, key: string): void => {
    const fileKey = key + FILE_SUFFIX;
    const envKey = key + ENV_SUFFIX;
    const given = [key, fileKey, envKey].filter((k) => k in obj);
    if (typeof obj[key] === 'string') texts.add(obj[key]);
    if (given.length === 0 || (given.length === 1 && given[0] === key)) return;
    const secretPath = formatPath([...at, key]);
    if (given.length > 1) {
      report.error([...at, given[1]!], `give one of ${key}, ${fileKey} or ${envKey}, not several`, 'key');
      for (const k of given) delete obj[k];
      return;
    }
    const ref = given[0]!;
    const refPath = [...at, ref];
    const name = obj[ref];
    delete obj[ref];
    let secret: string | undefined;
    if (ref === fileKey) {
      if (typeof name !== 'string' || name === '') {
        report.error(refPath, 'expected the path of the file that holds the secret');
        return;
      }
      if (!source) return;
      const file = resolve(source.baseDir, name);
      try {
        secret = readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
      } catch (err) {
        report.error(
          refPath,
          `cannot read the secret of ${secretPath} from '${name}' (${file}): ${fileReadError(err)}`,
        );
        return;
      }
      if (secret === '') {
        report.error(refPath, `the secret file '${name}' (${file}) of ${secretPath} is empty`);
        return;
      }
    } else {
      if (typeof name !== 'string' || !ENV_NAME.test(name)) {
        report.error(
          refPath,
          'expected the name of an environment variable (letters, digits and _, not starting with a digit)',
        );
        return;
      }
      if (!source) return;
      secret = source.env[name];
      if (secret === undefined || secret === '') {
        const state = secret === undefined ? 'is not set' : 'is empty';
        report.error(refPath, `the environment variable ${name} (the secret of ${secretPath}) ${state}`);
        return;
      }
    }
    obj[key] = secret;
    texts.add(secret);
    read.push({ path: [...at, key], reference: refPath });
  };

  const value = visit(raw, []);
  const place = (path: DocPath, message: string): [DocPath, string] => {
    const masked = mask(message, texts);
    const hit = read.find((r) => startsWith(path, r.path));
    if (!hit) return [path, masked];
    return [
      [...hit.reference, ...path.slice(hit.path.length)],
      `${masked} (the secret read from ${formatPath(hit.reference)})`,
    ];
  };
  return {
    value,
    report: {
      error: (path, message, target) => report.error(...place(path, message), target),
      warning: (path, message, target) => report.warning(...place(path, message), target),
    },
  };
}

function startsWith(path: DocPath, prefix: DocPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(k) === String(path[i]));
}

function mask(message: string, texts: ReadonlySet<string>): string {
  let out = message;
  for (const t of texts) if (t.length >= MIN_MASKED_LENGTH) out = out.replaceAll(t, MASK);
  return out;
}
