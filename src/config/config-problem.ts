/** A problem found in a site configuration file, with the place it was found. */

export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based line, 0 when the problem is about the file as a whole (missing, unreadable). */
  readonly line: number;
  /** 1-based column, 0 when line is 0. */
  readonly column: number;
  /** Where in the document, e.g. `circuits[2].limitA`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** A path into the parsed document: keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** Dotted form of a document path: `stations[0].ports[1].maxA`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/**
 * One line per problem: `file:line:column  path  message`, `-` standing for an empty path; warnings say so in
 * the message. A problem with the file as a whole reads `file: message`.
 */
export function formatProblem(p: ConfigProblem): string {
  const message = p.severity === 'warning' ? `warning: ${p.message}` : p.message;
  if (p.line === 0) return `${p.file}: ${message}`;
  return `${p.file}:${p.line}:${p.column}  ${p.path === '' ? '-' : p.path}  ${message}`;
}
