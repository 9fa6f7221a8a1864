/** Turns zod issues into plain-language problems at document paths. */
import type { z } from 'zod';
import type { DocPath } from './config-problem.ts';
import type { Report } from './problem-list.ts';
import { siteConfigSchema } from './schema.ts';
import { suggestKey } from './suggest-key.ts';

type Issue = z.core.$ZodIssue;

/** Reports every issue of a failed parse of `value`, which sits at `prefix` in the document. */
export function reportIssues(
  issues: readonly Issue[],
  value: unknown,
  prefix: DocPath,
  report: Report,
): void {
  for (const issue of issues) reportIssue(issue, value, prefix, report);
}

function reportIssue(issue: Issue, value: unknown, prefix: DocPath, report: Report): void {
  const rel = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  const path = [...prefix, ...rel];
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        const hint = suggestKey(key, KNOWN_KEYS);
        report.error(
          [...path, key],
          `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
          'key',
        );
      }
      return;
    case 'invalid_union': {
      if (issue.errors.length === 0) {
        // A discriminated union whose `type` is missing or unknown.
        const options = (issue as { options?: unknown[] }).options ?? [];
        const at = valueAt(value, rel);
        const list = options.map(String).join(', ');
        const retired = RETIRED_VALUES.find((r) => r.key === lastKey(path) && r.value === at);
        report.error(
          path,
          at === undefined
            ? `missing required key '${lastKey(path)}' (${list})`
            : (retired?.message ?? `${show(at)} is not one of: ${list}`),
        );
        return;
      }
      // The value had the shape of exactly one option: its problems are inside it, report those.
      const shaped = issue.errors.filter((errs) => !errs.some(isShapeMismatch));
      if (shaped.length === 1) {
        reportIssues(shaped[0]!, valueAt(value, rel), path, report);
        return;
      }
      report.error(path, missingOr(value, rel, path, issue.message));
      return;
    }
    case 'invalid_type':
      report.error(path, missingOr(value, rel, path, tidy(issue.message)));
      return;
    default:
      report.error(path, tidy(issue.message));
  }
}

/** Values earlier builds accepted and never acted on: what to use instead. */
const RETIRED_VALUES: readonly { key: string; value: string; message: string }[] = [
  {
    key: 'type',
    value: 'simulated',
    message:
      "'simulated' is not a meter driver: Fusebox reads meters over Modbus TCP only (type: modbus); " +
      "the demo's simulated meters are Modbus TCP servers too",
  },
];

function isShapeMismatch(issue: Issue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function missingOr(value: unknown, rel: DocPath, path: DocPath, message: string): string {
  // The key is missing when its value is undefined while its parent exists (a whole section: rel is empty).
  const parent = rel.length === 0 ? {} : valueAt(value, rel.slice(0, -1));
  const isMissing =
    path.length > 0 && parent !== null && typeof parent === 'object' && valueAt(value, rel) === undefined;
  return isMissing ? `missing required key '${lastKey(path)}'` : message;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function lastKey(path: DocPath): string {
  return String(path[path.length - 1] ?? '');
}

// zod's default messages start with a category ("Invalid input: expected number, received string").
function tidy(message: string): string {
  return message.replace(/^(Invalid input|Invalid option|Too small|Too big|Invalid string): /, '');
}

function valueAt(value: unknown, path: DocPath): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** Every key any object of the schema accepts, for "did you mean" hints. */
const KNOWN_KEYS: readonly string[] = [...collectKeys(siteConfigSchema, new Set<string>())];

function collectKeys(schema: unknown, into: Set<string>): Set<string> {
  if (schema === null || typeof schema !== 'object') return into;
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return into;
  if (def.type === 'object') {
    const shape = def.shape as Record<string, unknown>;
    for (const [key, child] of Object.entries(shape)) {
      into.add(key);
      collectKeys(child, into);
    }
  }
  for (const field of ['element', 'innerType', 'in', 'out']) collectKeys(def[field], into);
  if (Array.isArray(def.options)) for (const option of def.options) collectKeys(option, into);
  return into;
}
