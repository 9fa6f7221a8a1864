/** Collects the problems of one configuration file, placing each at its line and column. */
import type { ConfigProblem, DocPath, Severity } from './config-problem.ts';
import { formatPath } from './config-problem.ts';
import type { PositionTarget, SourcePositions } from './source-positions.ts';

/** Where checks report what they find. */
export interface Report {
  error(path: DocPath, message: string, target?: PositionTarget): void;
  warning(path: DocPath, message: string, target?: PositionTarget): void;
}

/** A Report that keeps every problem, in the order found. */
export class ProblemList implements Report {
  readonly problems: ConfigProblem[] = [];

  constructor(
    readonly file: string,
    private readonly positions: SourcePositions | undefined,
  ) {}

  error(path: DocPath, message: string, target?: PositionTarget): void {
    this.add('error', path, message, target);
  }

  warning(path: DocPath, message: string, target?: PositionTarget): void {
    this.add('warning', path, message, target);
  }

  /** Adds a problem whose position is already known (YAML syntax errors). */
  addAt(severity: Severity, line: number, column: number, message: string): void {
    this.problems.push({ severity, file: this.file, line, column, path: '', message });
  }

  /** The problems in file order (problems about the whole file first); stable for equal positions. */
  sorted(): ConfigProblem[] {
    return [...this.problems].sort((a, b) => a.line - b.line || a.column - b.column);
  }

  get errorCount(): number {
    return this.problems.filter((p) => p.severity === 'error').length;
  }

  private add(severity: Severity, path: DocPath, message: string, target?: PositionTarget): void {
    const pos = this.positions?.positionOf(path, target) ?? { line: 0, column: 0 };
    const dotted = formatPath(path);
    // A station-level setting shared by several ports would otherwise be reported once per port.
    if (this.problems.some((p) => p.path === dotted && p.message === message && p.severity === severity))
      return;
    this.problems.push({
      severity,
      file: this.file,
      line: pos.line,
      column: pos.column,
      path: dotted,
      message,
    });
  }
}
